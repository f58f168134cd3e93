package dev.starling.rdma.verbs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static dev.starling.rdma.verbs.NativeCalls.captureSegment;
import static dev.starling.rdma.verbs.NativeCalls.errno;
import static dev.starling.rdma.verbs.NativeCalls.rethrow;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The librdmacm calls the provider makes (connection management: resolve, connect, listen, accept, events), and
 * the C library's {@code poll} for waiting on an event channel, bound once through FFM. Every failure is a
 * {@link VerbsException} with the errno the call reported. Thread-safe, but an {@code rdma_cm_id} and its events
 * belong to one thread at a time (the caller's design).
 */
public final class RdmaCm
{
    /** The library's soname (Debian: package librdmacm1). */
    public static final String LIBRARY = "librdmacm.so.1";

    private static final ValueLayout.OfShort NETWORK_SHORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

    private final IbVerbs verbs;
    private final MethodHandle getDevices;
    private final MethodHandle freeDevices;
    private final MethodHandle createEventChannel;
    private final MethodHandle destroyEventChannel;
    private final MethodHandle createId;
    private final MethodHandle destroyId;
    private final MethodHandle bindAddr;
    private final MethodHandle listen;
    private final MethodHandle getSrcPort;
    private final MethodHandle resolveAddr;
    private final MethodHandle resolveRoute;
    private final MethodHandle createQp;
    private final MethodHandle destroyQp;
    private final MethodHandle connect;
    private final MethodHandle accept;
    private final MethodHandle reject;
    private final MethodHandle disconnect;
    private final MethodHandle getCmEvent;
    private final MethodHandle ackCmEvent;
    private final MethodHandle eventStr;
    private final MethodHandle poll;

    /**
     * @param library the loaded librdmacm.
     * @param verbs   libibverbs, for device names.
     * @throws java.util.NoSuchElementException when a symbol is missing.
     */
    RdmaCm(final SymbolLookup library, final IbVerbs verbs)
    {
        this.verbs = verbs;
        getDevices = NativeCalls.withErrno(library, "rdma_get_devices", FunctionDescriptor.of(ADDRESS, ADDRESS));
        freeDevices = NativeCalls.plain(library, "rdma_free_devices", FunctionDescriptor.ofVoid(ADDRESS));
        createEventChannel = NativeCalls.withErrno(library, "rdma_create_event_channel", FunctionDescriptor.of(ADDRESS));
        destroyEventChannel = NativeCalls.plain(library, "rdma_destroy_event_channel", FunctionDescriptor.ofVoid(ADDRESS));
        createId = NativeCalls.withErrno(library, "rdma_create_id",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
        destroyId = NativeCalls.withErrno(library, "rdma_destroy_id", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        bindAddr = NativeCalls.withErrno(library, "rdma_bind_addr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        listen = NativeCalls.withErrno(library, "rdma_listen", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        getSrcPort = NativeCalls.plain(library, "rdma_get_src_port", FunctionDescriptor.of(JAVA_SHORT, ADDRESS));
        resolveAddr = NativeCalls.withErrno(library, "rdma_resolve_addr",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
        resolveRoute = NativeCalls.withErrno(library, "rdma_resolve_route",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        createQp = NativeCalls.withErrno(library, "rdma_create_qp",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        destroyQp = NativeCalls.plain(library, "rdma_destroy_qp", FunctionDescriptor.ofVoid(ADDRESS));
        connect = NativeCalls.withErrno(library, "rdma_connect", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        accept = NativeCalls.withErrno(library, "rdma_accept", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        reject = NativeCalls.withErrno(library, "rdma_reject",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_BYTE));
        disconnect = NativeCalls.withErrno(library, "rdma_disconnect", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getCmEvent = NativeCalls.withErrno(library, "rdma_get_cm_event",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        ackCmEvent = NativeCalls.withErrno(library, "rdma_ack_cm_event", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        eventStr = NativeCalls.plain(library, "rdma_event_str", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        poll = NativeCalls.LINKER.downcallHandle(
            NativeCalls.symbol(NativeCalls.LINKER.defaultLookup(), "poll"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT),
            java.lang.foreign.Linker.Option.captureCallState("errno"));
    }

    /**
     * The device contexts rdma_cm opened (it keeps them open for the life of the process).
     *
     * @return one {@code ibv_context*} per device, never empty.
     * @throws VerbsException when there is none (ENODEV on a machine without RDMA devices).
     */
    public List<MemorySegment> devices()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            final MemorySegment count = arena.allocate(JAVA_INT);
            final MemorySegment list = (MemorySegment)getDevices.invokeExact(capture, count);
            if (list.equals(MemorySegment.NULL))
            {
                throw new VerbsException("rdma_get_devices", errno(capture), null);
            }
            final int n = count.get(JAVA_INT, 0);
            final MemorySegment array = list.reinterpret(ADDRESS.byteSize() * n);
            final List<MemorySegment> contexts = new ArrayList<>(n);
            for (int i = 0; i < n; i++)
            {
                contexts.add(array.getAtIndex(ADDRESS, i));
            }
            freeDevices.invokeExact(list);
            if (contexts.isEmpty())
            {
                throw new VerbsException("rdma_get_devices", Errno.ENODEV, "no device");
            }
            return contexts;
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param context a device context.
     * @return the device's name.
     */
    public String deviceName(final MemorySegment context)
    {
        return verbs.deviceName(context);
    }

    /**
     * @return a new event channel; the caller destroys it.
     * @throws VerbsException when the call fails.
     */
    public MemorySegment createEventChannel()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            final MemorySegment channel = (MemorySegment)createEventChannel.invokeExact(capture);
            if (channel.equals(MemorySegment.NULL))
            {
                throw new VerbsException("rdma_create_event_channel", errno(capture), null);
            }
            return channel.reinterpret(Structs.RDMA_EVENT_CHANNEL.byteSize());
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param channel an event channel with no ids left on it.
     */
    public void destroyEventChannel(final MemorySegment channel)
    {
        try
        {
            destroyEventChannel.invokeExact(channel);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param channel an event channel.
     * @return the descriptor to wait on.
     */
    public static int fd(final MemorySegment channel)
    {
        return channel.get(JAVA_INT, Structs.offset(Structs.RDMA_EVENT_CHANNEL, "fd"));
    }

    /**
     * @param channel the event channel for the id's events, or {@link MemorySegment#NULL} for a synchronous id
     *                (its calls block until they complete).
     * @return a new {@code rdma_cm_id*} in the TCP port space; the caller destroys it.
     * @throws VerbsException when the call fails.
     */
    public MemorySegment createId(final MemorySegment channel)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            final MemorySegment idOut = arena.allocate(ADDRESS);
            final int rc = (int)createId.invokeExact(capture, channel, idOut, MemorySegment.NULL, Structs.RDMA_PS_TCP);
            check(rc, capture, "rdma_create_id", null);
            return idOut.get(ADDRESS, 0).reinterpret(Structs.RDMA_CM_ID.byteSize());
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param id an id whose events are all acknowledged and whose QP is destroyed.
     * @throws VerbsException when the call fails.
     */
    public void destroyId(final MemorySegment id)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            check((int)destroyId.invokeExact(capture, id), capture, "rdma_destroy_id", null);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * Binds an id to a local address and listens on it.
     *
     * @param id      a new id with an event channel.
     * @param address where to listen; port 0 for any.
     * @param backlog pending connection requests.
     * @return the port bound.
     * @throws VerbsException when a call fails (EADDRNOTAVAIL: no RDMA device has that address).
     */
    public int listen(final MemorySegment id, final InetSocketAddress address, final int backlog)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            check((int)bindAddr.invokeExact(capture, id, sockaddr(arena, address)), capture, "rdma_bind_addr",
                address.toString());
            check((int)listen.invokeExact(capture, id, backlog), capture, "rdma_listen", address.toString());
            return Short.toUnsignedInt(Short.reverseBytes((short)getSrcPort.invokeExact(id)));
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * Resolves a peer's address and the route to it (blocking on a synchronous id).
     *
     * @param id        a synchronous id.
     * @param peer      the peer's rdma_cm address.
     * @param timeoutMs per step.
     * @throws VerbsException when a step fails (ETIMEDOUT, EADDRNOTAVAIL, ENETUNREACH, ...).
     */
    public void resolve(final MemorySegment id, final InetSocketAddress peer, final int timeoutMs)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            check((int)resolveAddr.invokeExact(capture, id, MemorySegment.NULL, sockaddr(arena, peer), timeoutMs),
                capture, "rdma_resolve_addr", peer.toString());
            check((int)resolveRoute.invokeExact(capture, id, timeoutMs), capture, "rdma_resolve_route",
                peer.toString());
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * Creates a reliable-connected queue pair on the id, both queues on one completion queue, every work request
     * signalled only when asked.
     *
     * @param id         an id bound to a device (resolved, or from a connect request).
     * @param pd         protection domain on that device.
     * @param cq         completion queue on that device.
     * @param maxSendWr  work requests the send queue holds.
     * @throws VerbsException when the call fails.
     */
    public void createQp(final MemorySegment id, final MemorySegment pd, final MemorySegment cq, final int maxSendWr)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment attr = arena.allocate(Structs.IBV_QP_INIT_ATTR);
            attr.set(ADDRESS, Structs.offset(Structs.IBV_QP_INIT_ATTR, "send_cq"), cq);
            attr.set(ADDRESS, Structs.offset(Structs.IBV_QP_INIT_ATTR, "recv_cq"), cq);
            attr.set(JAVA_INT, Structs.offset(Structs.IBV_QP_INIT_ATTR, "cap", "max_send_wr"), maxSendWr);
            attr.set(JAVA_INT, Structs.offset(Structs.IBV_QP_INIT_ATTR, "cap", "max_recv_wr"), 1);
            attr.set(JAVA_INT, Structs.offset(Structs.IBV_QP_INIT_ATTR, "cap", "max_send_sge"), 1);
            attr.set(JAVA_INT, Structs.offset(Structs.IBV_QP_INIT_ATTR, "cap", "max_recv_sge"), 1);
            attr.set(JAVA_INT, Structs.offset(Structs.IBV_QP_INIT_ATTR, "qp_type"), Structs.IBV_QPT_RC);
            final MemorySegment capture = captureSegment(arena);
            check((int)createQp.invokeExact(capture, id, pd, attr), capture, "rdma_create_qp", null);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param id an id with a queue pair.
     */
    public void destroyQp(final MemorySegment id)
    {
        try
        {
            destroyQp.invokeExact(id);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * Connects (blocking on a synchronous id) as the side that issues RDMA READs.
     *
     * @param id          a synchronous id with a queue pair.
     * @param privateData sent with the request (at most 56 bytes); caller retains.
     * @throws VerbsException when the peer rejects (ECONNREFUSED) or the connection fails.
     */
    public void connect(final MemorySegment id, final byte[] privateData)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment param = connParam(arena, privateData, 0, Structs.RDMA_MAX_DEPTH);
            param.set(JAVA_BYTE, Structs.offset(Structs.RDMA_CONN_PARAM, "retry_count"), (byte)7);
            param.set(JAVA_BYTE, Structs.offset(Structs.RDMA_CONN_PARAM, "rnr_retry_count"), (byte)7);
            final MemorySegment capture = captureSegment(arena);
            check((int)connect.invokeExact(capture, id, param), capture, "rdma_connect", null);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * Accepts a connect request as the side whose memory is read: as many RDMA READs in flight as the device
     * allows.
     *
     * @param id the request's id, with a queue pair.
     * @throws VerbsException when the call fails.
     */
    public void accept(final MemorySegment id)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment param = connParam(arena, null, Structs.RDMA_MAX_DEPTH, 0);
            final MemorySegment capture = captureSegment(arena);
            check((int)accept.invokeExact(capture, id, param), capture, "rdma_accept", null);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param id a connect request's id.
     * @throws VerbsException when the call fails.
     */
    public void reject(final MemorySegment id)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            check((int)reject.invokeExact(capture, id, MemorySegment.NULL, (byte)0), capture, "rdma_reject", null);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param id a connected id; its queue pair moves to the error state and flushes what is posted.
     * @throws VerbsException when the call fails.
     */
    public void disconnect(final MemorySegment id)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            check((int)disconnect.invokeExact(capture, id), capture, "rdma_disconnect", null);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param id an id.
     * @return its device context ({@code id->verbs}), NULL until it is bound to a device.
     */
    public static MemorySegment deviceContext(final MemorySegment id)
    {
        return id.get(ADDRESS, Structs.offset(Structs.RDMA_CM_ID, "verbs"));
    }

    /**
     * @param id an id with a queue pair.
     * @return the {@code ibv_qp*}.
     */
    public static MemorySegment qp(final MemorySegment id)
    {
        return id.get(ADDRESS, Structs.offset(Structs.RDMA_CM_ID, "qp"));
    }

    /**
     * Waits for an event channel to have an event.
     *
     * @param fd        the channel's descriptor.
     * @param timeoutMs how long to wait; 0 to only look.
     * @param scratch   a {@link Structs#POLLFD} and a capture segment's worth of memory, reused; caller retains.
     * @return true when an event waits.
     * @throws VerbsException when poll fails for another reason than an interrupt.
     */
    public boolean awaitEvent(final int fd, final int timeoutMs, final MemorySegment scratch)
    {
        scratch.set(JAVA_INT, Structs.offset(Structs.POLLFD, "fd"), fd);
        scratch.set(JAVA_SHORT, Structs.offset(Structs.POLLFD, "events"), (short)Structs.POLLIN);
        scratch.set(JAVA_SHORT, Structs.offset(Structs.POLLFD, "revents"), (short)0);
        final MemorySegment capture = scratch.asSlice(Structs.POLLFD.byteSize(), NativeCalls.CAPTURE_LAYOUT.byteSize());
        final int rc;
        try
        {
            rc = (int)poll.invokeExact(capture, scratch, 1L, timeoutMs);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
        if (rc < 0)
        {
            final int errno = errno(capture);
            if (errno == 4)
            {
                return false;
            }
            throw new VerbsException("poll", errno, "rdma_cm event channel");
        }
        return rc > 0;
    }

    /**
     * @param arena where the scratch lives.
     * @return memory for {@link #awaitEvent}.
     */
    public static MemorySegment pollScratch(final Arena arena)
    {
        return arena.allocate(Structs.POLLFD.byteSize() + NativeCalls.CAPTURE_LAYOUT.byteSize(), 8);
    }

    /**
     * Takes the next event off a channel (blocking until there is one); the caller acknowledges it with
     * {@link #ackEvent} once done with it.
     *
     * @param channel an event channel.
     * @return the {@code rdma_cm_event*}.
     * @throws VerbsException when the call fails.
     */
    public MemorySegment getEvent(final MemorySegment channel)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            final MemorySegment out = arena.allocate(ADDRESS);
            check((int)getCmEvent.invokeExact(capture, channel, out), capture, "rdma_get_cm_event", null);
            return out.get(ADDRESS, 0).reinterpret(Structs.RDMA_CM_EVENT.byteSize());
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param event an event from {@link #getEvent}; invalid afterwards.
     * @throws VerbsException when the call fails.
     */
    public void ackEvent(final MemorySegment event)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = captureSegment(arena);
            check((int)ackCmEvent.invokeExact(capture, event), capture, "rdma_ack_cm_event", null);
        }
        catch (final Throwable t)
        {
            throw rethrow(t);
        }
    }

    /**
     * @param event an event.
     * @return its type ({@code RDMA_CM_EVENT_*}).
     */
    public static int eventType(final MemorySegment event)
    {
        return event.get(JAVA_INT, Structs.offset(Structs.RDMA_CM_EVENT, "event"));
    }

    /**
     * @param event an event.
     * @return its status (a negative errno on failures).
     */
    public static int eventStatus(final MemorySegment event)
    {
        return event.get(JAVA_INT, Structs.offset(Structs.RDMA_CM_EVENT, "status"));
    }

    /**
     * @param event an event.
     * @return the id it is about (for a connect request: a new id).
     */
    public static MemorySegment eventId(final MemorySegment event)
    {
        return event.get(ADDRESS, Structs.offset(Structs.RDMA_CM_EVENT, "id")).reinterpret(Structs.RDMA_CM_ID.byteSize());
    }

    /**
     * @param event a connect request.
     * @return a copy of its private data (may be longer than what the peer sent: the transport pads it).
     */
    public static byte[] privateData(final MemorySegment event)
    {
        final MemorySegment data = event.get(ADDRESS, Structs.offset(Structs.RDMA_CM_EVENT, "private_data"));
        final int length = Byte.toUnsignedInt(event.get(JAVA_BYTE, Structs.offset(Structs.RDMA_CM_EVENT, "private_data_len")));
        if (data.equals(MemorySegment.NULL) || length == 0)
        {
            return new byte[0];
        }
        return data.reinterpret(length).toArray(JAVA_BYTE);
    }

    /**
     * @param type an event type.
     * @return librdmacm's name for it.
     */
    public String eventName(final int type)
    {
        try
        {
            return NativeCalls.string((MemorySegment)eventStr.invokeExact(type));
        }
        catch (final Throwable t)
        {
            return "RDMA_CM_EVENT_" + type;
        }
    }

    private static MemorySegment connParam(
        final Arena arena, final byte[] privateData, final int responderResources, final int initiatorDepth)
    {
        final MemorySegment param = arena.allocate(Structs.RDMA_CONN_PARAM);
        if (privateData != null && privateData.length > 0)
        {
            param.set(ADDRESS, Structs.offset(Structs.RDMA_CONN_PARAM, "private_data"),
                arena.allocateFrom(JAVA_BYTE, privateData));
            param.set(JAVA_BYTE, Structs.offset(Structs.RDMA_CONN_PARAM, "private_data_len"), (byte)privateData.length);
        }
        param.set(JAVA_BYTE, Structs.offset(Structs.RDMA_CONN_PARAM, "responder_resources"), (byte)responderResources);
        param.set(JAVA_BYTE, Structs.offset(Structs.RDMA_CONN_PARAM, "initiator_depth"), (byte)initiatorDepth);
        return param;
    }

    /**
     * Writes a {@code struct sockaddr_in} or {@code sockaddr_in6}.
     *
     * @param arena   where it lives.
     * @param address the address; unresolved names are refused.
     * @return the sockaddr.
     */
    static MemorySegment sockaddr(final Arena arena, final InetSocketAddress address)
    {
        if (address.getAddress() instanceof Inet4Address v4)
        {
            final MemorySegment s = arena.allocate(Structs.SOCKADDR_IN);
            s.set(JAVA_SHORT, Structs.offset(Structs.SOCKADDR_IN, "sin_family"), (short)Structs.AF_INET);
            s.set(NETWORK_SHORT, Structs.offset(Structs.SOCKADDR_IN, "sin_port"), (short)address.getPort());
            MemorySegment.copy(v4.getAddress(), 0, s, JAVA_BYTE, Structs.offset(Structs.SOCKADDR_IN, "sin_addr"), 4);
            return s;
        }
        if (address.getAddress() instanceof Inet6Address v6)
        {
            final MemorySegment s = arena.allocate(Structs.SOCKADDR_IN6);
            s.set(JAVA_SHORT, Structs.offset(Structs.SOCKADDR_IN6, "sin6_family"), (short)Structs.AF_INET6);
            s.set(NETWORK_SHORT, Structs.offset(Structs.SOCKADDR_IN6, "sin6_port"), (short)address.getPort());
            MemorySegment.copy(v6.getAddress(), 0, s, JAVA_BYTE, Structs.offset(Structs.SOCKADDR_IN6, "sin6_addr"), 16);
            s.set(JAVA_INT, Structs.offset(Structs.SOCKADDR_IN6, "sin6_scope_id"), v6.getScopeId());
            return s;
        }
        throw new IllegalArgumentException("not a resolved IP address: " + address);
    }

    private static void check(final int rc, final MemorySegment capture, final String verb, final String detail)
    {
        if (rc != 0)
        {
            throw new VerbsException(verb, errno(capture), detail);
        }
    }
}
