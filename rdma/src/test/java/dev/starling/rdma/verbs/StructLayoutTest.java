package dev.starling.rdma.verbs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Compiles a C program against the installed rdma-core headers ({@code libibverbs-dev}, {@code librdmacm-dev})
 * that prints {@code offsetof} of every struct member {@link Structs} names, {@code sizeof} of every struct the
 * bindings allocate, and the value of every constant and errno name they use, and checks the Java side against
 * it. Without gcc or the headers it fails (run-tests installs them): a silent skip would let a layout drift.
 */
class StructLayoutTest
{
    /** C member paths where they differ from the Java member name (unions the layouts flatten). */
    private static final Map<String, String> C_PATHS = Map.of(
        "ibv_send_wr.remote_addr", "wr.rdma.remote_addr",
        "ibv_send_wr.rkey", "wr.rdma.rkey",
        "rdma_cm_event.private_data", "param.conn.private_data",
        "rdma_cm_event.private_data_len", "param.conn.private_data_len");

    /** Structs the bindings allocate or index as arrays: laid out whole, so their size must match too. */
    private static final List<StructLayout> WHOLE = List.of(Structs.IBV_SGE, Structs.IBV_SEND_WR, Structs.IBV_WC,
        Structs.IBV_QP_CAP, Structs.IBV_QP_INIT_ATTR, Structs.IBV_MR, Structs.IBV_CONTEXT_OPS,
        Structs.RDMA_CONN_PARAM, Structs.SOCKADDR_IN, Structs.SOCKADDR_IN6, Structs.POLLFD,
        Structs.RDMA_EVENT_CHANNEL);

    /** Every layout in use, whole or prefix. */
    private static final List<StructLayout> ALL = List.of(Structs.IBV_SGE, Structs.IBV_SEND_WR, Structs.IBV_WC,
        Structs.IBV_QP_CAP, Structs.IBV_QP_INIT_ATTR, Structs.IBV_MR, Structs.IBV_CONTEXT_OPS, Structs.IBV_CONTEXT,
        Structs.IBV_QP, Structs.IBV_CQ, Structs.RDMA_EVENT_CHANNEL, Structs.RDMA_CM_ID, Structs.RDMA_CONN_PARAM,
        Structs.RDMA_CM_EVENT, Structs.SOCKADDR_IN, Structs.SOCKADDR_IN6, Structs.POLLFD);

    @TempDir
    Path tmp;

    @Test
    void shouldMatchTheCHeadersOffsetsSizesAndConstants() throws Exception
    {
        final Map<String, Long> expected = new LinkedHashMap<>();
        final Map<String, String> cExpressions = new LinkedHashMap<>();
        for (final StructLayout layout : ALL)
        {
            members(layout, layout.name().orElseThrow(), "", 0, expected, cExpressions);
        }
        for (final StructLayout layout : WHOLE)
        {
            final String name = layout.name().orElseThrow();
            expected.put("sizeof " + name, layout.byteSize());
            cExpressions.put("sizeof " + name, "sizeof(struct " + name + ")");
        }
        constant("IBV_WR_RDMA_READ", Structs.IBV_WR_RDMA_READ, expected, cExpressions);
        constant("IBV_SEND_SIGNALED", Structs.IBV_SEND_SIGNALED, expected, cExpressions);
        constant("IBV_QPT_RC", Structs.IBV_QPT_RC, expected, cExpressions);
        constant("IBV_ACCESS_LOCAL_WRITE", Structs.IBV_ACCESS_LOCAL_WRITE, expected, cExpressions);
        constant("IBV_ACCESS_REMOTE_READ", Structs.IBV_ACCESS_REMOTE_READ, expected, cExpressions);
        constant("IBV_WC_SUCCESS", Structs.IBV_WC_SUCCESS, expected, cExpressions);
        constant("RDMA_PS_TCP", Structs.RDMA_PS_TCP, expected, cExpressions);
        constant("RDMA_MAX_RESP_RES", Structs.RDMA_MAX_DEPTH, expected, cExpressions);
        constant("RDMA_MAX_INIT_DEPTH", Structs.RDMA_MAX_DEPTH, expected, cExpressions);
        constant("AF_INET", Structs.AF_INET, expected, cExpressions);
        constant("AF_INET6", Structs.AF_INET6, expected, cExpressions);
        constant("POLLIN", Structs.POLLIN, expected, cExpressions);
        constant("RDMA_CM_EVENT_CONNECT_REQUEST", Structs.RDMA_CM_EVENT_CONNECT_REQUEST, expected, cExpressions);
        constant("RDMA_CM_EVENT_CONNECT_ERROR", Structs.RDMA_CM_EVENT_CONNECT_ERROR, expected, cExpressions);
        constant("RDMA_CM_EVENT_UNREACHABLE", Structs.RDMA_CM_EVENT_UNREACHABLE, expected, cExpressions);
        constant("RDMA_CM_EVENT_REJECTED", Structs.RDMA_CM_EVENT_REJECTED, expected, cExpressions);
        constant("RDMA_CM_EVENT_ESTABLISHED", Structs.RDMA_CM_EVENT_ESTABLISHED, expected, cExpressions);
        constant("RDMA_CM_EVENT_DISCONNECTED", Structs.RDMA_CM_EVENT_DISCONNECTED, expected, cExpressions);
        constant("RDMA_CM_EVENT_DEVICE_REMOVAL", Structs.RDMA_CM_EVENT_DEVICE_REMOVAL, expected, cExpressions);
        constant("EINTR", 4, expected, cExpressions);
        for (int status = 0; status < Structs.WC_STATUS_NAMES.length; status++)
        {
            constant(Structs.WC_STATUS_NAMES[status], status, expected, cExpressions);
        }
        for (final Object[] pair : Errno.NAMES)
        {
            constant((String)pair[1], (Integer)pair[0], expected, cExpressions);
        }

        final Map<String, Long> actual = runC(cExpressions);
        final List<String> mismatches = new ArrayList<>();
        for (final Map.Entry<String, Long> e : expected.entrySet())
        {
            final Long c = actual.get(e.getKey());
            if (!e.getValue().equals(c))
            {
                mismatches.add(e.getKey() + ": Java " + e.getValue() + ", C " + c);
            }
        }
        assertTrue(mismatches.isEmpty(), "layouts differ from the C headers:\n" + String.join("\n", mismatches));
        assertEquals(expected.size(), actual.size());
        System.out.println("StructLayoutTest: " + expected.size() + " offsets, sizes and constants match the headers");
    }

    private static void members(
        final GroupLayout group,
        final String struct,
        final String prefix,
        final long base,
        final Map<String, Long> expected,
        final Map<String, String> cExpressions)
    {
        long offset = base;
        for (final MemoryLayout member : group.memberLayouts())
        {
            if (member.name().isPresent())
            {
                final String javaPath = prefix + member.name().get();
                final String key = struct + "." + javaPath;
                if (member instanceof GroupLayout inner)
                {
                    members(inner, struct, javaPath + ".", offset, expected, cExpressions);
                }
                expected.put("offsetof " + key, offset);
                cExpressions.put("offsetof " + key,
                    "offsetof(struct " + struct + ", " + C_PATHS.getOrDefault(key, javaPath) + ")");
            }
            offset += member.byteSize();
        }
    }

    private static void constant(
        final String name, final long value, final Map<String, Long> expected, final Map<String, String> cExpressions)
    {
        expected.put("value " + name, value);
        cExpressions.put("value " + name, "(long long)(" + name + ")");
    }

    private Map<String, Long> runC(final Map<String, String> cExpressions) throws IOException, InterruptedException
    {
        final StringBuilder c = new StringBuilder();
        c.append("#include <stdio.h>\n#include <stddef.h>\n#include <errno.h>\n#include <poll.h>\n")
            .append("#include <netinet/in.h>\n#include <sys/socket.h>\n")
            .append("#include <infiniband/verbs.h>\n#include <rdma/rdma_cma.h>\n\nint main(void)\n{\n");
        for (final Map.Entry<String, String> e : cExpressions.entrySet())
        {
            c.append("    printf(\"%s=%lld\\n\", \"").append(e.getKey()).append("\", (long long)(")
                .append(e.getValue()).append("));\n");
        }
        c.append("    return 0;\n}\n");
        final Path source = tmp.resolve("layouts.c");
        final Path binary = tmp.resolve("layouts");
        Files.writeString(source, c.toString());
        final String compiled = run(List.of("gcc", "-Wall", "-o", binary.toString(), source.toString()),
            "gcc (package gcc) and the rdma-core headers (libibverbs-dev, librdmacm-dev) are needed; run-tests installs them");
        final String output = run(List.of(binary.toString()), "the layout program failed");
        final Map<String, Long> values = new LinkedHashMap<>();
        for (final String line : output.split("\n"))
        {
            final int eq = line.lastIndexOf('=');
            if (eq > 0)
            {
                values.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
            }
        }
        assertTrue(compiled.isBlank(), "gcc warned:\n" + compiled);
        return values;
    }

    private static String run(final List<String> command, final String whatIsNeeded)
        throws IOException, InterruptedException
    {
        final Process p;
        try
        {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        }
        catch (final IOException ex)
        {
            fail(whatIsNeeded + ": " + ex.getMessage());
            throw ex;
        }
        final byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), command + " did not finish");
        final String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), whatIsNeeded + ":\n" + text);
        return text;
    }
}
