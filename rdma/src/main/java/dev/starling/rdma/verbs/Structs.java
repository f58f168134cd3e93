package dev.starling.rdma.verbs;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The C structs of rdma-core 44 (Debian 12, x86-64) that the bindings read or write, as {@link MemoryLayout}s, and
 * the constants they use. A struct the bindings only read a prefix of is laid out up to its last field in use;
 * one they allocate is laid out whole. {@code StructLayoutTest} compiles a C program against the installed
 * headers and checks every offset and size used here against {@code offsetof}/{@code sizeof}.
 */
public final class Structs
{
    /** {@code struct ibv_sge} (16 bytes). */
    public static final StructLayout IBV_SGE = MemoryLayout.structLayout(
        JAVA_LONG.withName("addr"),
        JAVA_INT.withName("length"),
        JAVA_INT.withName("lkey")).withName("ibv_sge");

    /**
     * {@code struct ibv_send_wr} (128 bytes): the RDMA member of the {@code wr} union; the rest of the unions is
     * padding (never used by a READ).
     */
    public static final StructLayout IBV_SEND_WR = MemoryLayout.structLayout(
        JAVA_LONG.withName("wr_id"),
        ADDRESS.withName("next"),
        ADDRESS.withName("sg_list"),
        JAVA_INT.withName("num_sge"),
        JAVA_INT.withName("opcode"),
        JAVA_INT.withName("send_flags"),
        JAVA_INT.withName("imm_data"),
        JAVA_LONG.withName("remote_addr"),
        JAVA_INT.withName("rkey"),
        MemoryLayout.paddingLayout(76)).withName("ibv_send_wr");

    /** {@code struct ibv_wc} (48 bytes). */
    public static final StructLayout IBV_WC = MemoryLayout.structLayout(
        JAVA_LONG.withName("wr_id"),
        JAVA_INT.withName("status"),
        JAVA_INT.withName("opcode"),
        JAVA_INT.withName("vendor_err"),
        JAVA_INT.withName("byte_len"),
        JAVA_INT.withName("imm_data"),
        JAVA_INT.withName("qp_num"),
        JAVA_INT.withName("src_qp"),
        JAVA_INT.withName("wc_flags"),
        JAVA_SHORT.withName("pkey_index"),
        JAVA_SHORT.withName("slid"),
        JAVA_BYTE.withName("sl"),
        JAVA_BYTE.withName("dlid_path_bits"),
        MemoryLayout.paddingLayout(2)).withName("ibv_wc");

    /** {@code struct ibv_qp_cap} (20 bytes). */
    public static final StructLayout IBV_QP_CAP = MemoryLayout.structLayout(
        JAVA_INT.withName("max_send_wr"),
        JAVA_INT.withName("max_recv_wr"),
        JAVA_INT.withName("max_send_sge"),
        JAVA_INT.withName("max_recv_sge"),
        JAVA_INT.withName("max_inline_data")).withName("ibv_qp_cap");

    /** {@code struct ibv_qp_init_attr} (64 bytes). */
    public static final StructLayout IBV_QP_INIT_ATTR = MemoryLayout.structLayout(
        ADDRESS.withName("qp_context"),
        ADDRESS.withName("send_cq"),
        ADDRESS.withName("recv_cq"),
        ADDRESS.withName("srq"),
        IBV_QP_CAP.withName("cap"),
        JAVA_INT.withName("qp_type"),
        JAVA_INT.withName("sq_sig_all"),
        MemoryLayout.paddingLayout(4)).withName("ibv_qp_init_attr");

    /** {@code struct ibv_mr} (48 bytes). */
    public static final StructLayout IBV_MR = MemoryLayout.structLayout(
        ADDRESS.withName("context"),
        ADDRESS.withName("pd"),
        ADDRESS.withName("addr"),
        JAVA_LONG.withName("length"),
        JAVA_INT.withName("handle"),
        JAVA_INT.withName("lkey"),
        JAVA_INT.withName("rkey"),
        MemoryLayout.paddingLayout(4)).withName("ibv_mr");

    /**
     * {@code struct ibv_context_ops}: the provider's function pointers. The data-path verbs ({@code ibv_post_send},
     * {@code ibv_poll_cq}, ...) are static inline functions in {@code verbs.h} that call through these; they are
     * not exported symbols.
     */
    public static final StructLayout IBV_CONTEXT_OPS = MemoryLayout.structLayout(
        ADDRESS.withName("_compat_query_device"),
        ADDRESS.withName("_compat_query_port"),
        ADDRESS.withName("_compat_alloc_pd"),
        ADDRESS.withName("_compat_dealloc_pd"),
        ADDRESS.withName("_compat_reg_mr"),
        ADDRESS.withName("_compat_rereg_mr"),
        ADDRESS.withName("_compat_dereg_mr"),
        ADDRESS.withName("alloc_mw"),
        ADDRESS.withName("bind_mw"),
        ADDRESS.withName("dealloc_mw"),
        ADDRESS.withName("_compat_create_cq"),
        ADDRESS.withName("poll_cq"),
        ADDRESS.withName("req_notify_cq"),
        ADDRESS.withName("_compat_cq_event"),
        ADDRESS.withName("_compat_resize_cq"),
        ADDRESS.withName("_compat_destroy_cq"),
        ADDRESS.withName("_compat_create_srq"),
        ADDRESS.withName("_compat_modify_srq"),
        ADDRESS.withName("_compat_query_srq"),
        ADDRESS.withName("_compat_destroy_srq"),
        ADDRESS.withName("post_srq_recv"),
        ADDRESS.withName("_compat_create_qp"),
        ADDRESS.withName("_compat_query_qp"),
        ADDRESS.withName("_compat_modify_qp"),
        ADDRESS.withName("_compat_destroy_qp"),
        ADDRESS.withName("post_send"),
        ADDRESS.withName("post_recv"),
        ADDRESS.withName("_compat_create_ah"),
        ADDRESS.withName("_compat_destroy_ah"),
        ADDRESS.withName("_compat_attach_mcast"),
        ADDRESS.withName("_compat_detach_mcast"),
        ADDRESS.withName("_compat_async_event")).withName("ibv_context_ops");

    /** {@code struct ibv_context}, up to its ops. */
    public static final StructLayout IBV_CONTEXT = MemoryLayout.structLayout(
        ADDRESS.withName("device"),
        IBV_CONTEXT_OPS.withName("ops")).withName("ibv_context");

    /** {@code struct ibv_qp}, up to {@code qp_num}. */
    public static final StructLayout IBV_QP = MemoryLayout.structLayout(
        ADDRESS.withName("context"),
        ADDRESS.withName("qp_context"),
        ADDRESS.withName("pd"),
        ADDRESS.withName("send_cq"),
        ADDRESS.withName("recv_cq"),
        ADDRESS.withName("srq"),
        JAVA_INT.withName("handle"),
        JAVA_INT.withName("qp_num")).withName("ibv_qp");

    /** {@code struct ibv_cq}, up to {@code context}. */
    public static final StructLayout IBV_CQ = MemoryLayout.structLayout(
        ADDRESS.withName("context")).withName("ibv_cq");

    /** {@code struct rdma_event_channel}. */
    public static final StructLayout RDMA_EVENT_CHANNEL = MemoryLayout.structLayout(
        JAVA_INT.withName("fd")).withName("rdma_event_channel");

    /** {@code struct rdma_cm_id}, up to {@code qp} (the route that follows is never read). */
    public static final StructLayout RDMA_CM_ID = MemoryLayout.structLayout(
        ADDRESS.withName("verbs"),
        ADDRESS.withName("channel"),
        ADDRESS.withName("context"),
        ADDRESS.withName("qp")).withName("rdma_cm_id");

    /** {@code struct rdma_conn_param} (24 bytes). */
    public static final StructLayout RDMA_CONN_PARAM = MemoryLayout.structLayout(
        ADDRESS.withName("private_data"),
        JAVA_BYTE.withName("private_data_len"),
        JAVA_BYTE.withName("responder_resources"),
        JAVA_BYTE.withName("initiator_depth"),
        JAVA_BYTE.withName("flow_control"),
        JAVA_BYTE.withName("retry_count"),
        JAVA_BYTE.withName("rnr_retry_count"),
        JAVA_BYTE.withName("srq"),
        MemoryLayout.paddingLayout(1),
        JAVA_INT.withName("qp_num"),
        MemoryLayout.paddingLayout(4)).withName("rdma_conn_param");

    /** {@code struct rdma_cm_event}, up to the connection parameters' private data. */
    public static final StructLayout RDMA_CM_EVENT = MemoryLayout.structLayout(
        ADDRESS.withName("id"),
        ADDRESS.withName("listen_id"),
        JAVA_INT.withName("event"),
        JAVA_INT.withName("status"),
        ADDRESS.withName("private_data"),
        JAVA_BYTE.withName("private_data_len")).withName("rdma_cm_event");

    /** {@code struct sockaddr_in} (16 bytes); port and address in network order. */
    public static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
        JAVA_SHORT.withName("sin_family"),
        JAVA_SHORT.withName("sin_port"),
        JAVA_INT.withName("sin_addr"),
        MemoryLayout.paddingLayout(8)).withName("sockaddr_in");

    /** {@code struct sockaddr_in6} (28 bytes). */
    public static final StructLayout SOCKADDR_IN6 = MemoryLayout.structLayout(
        JAVA_SHORT.withName("sin6_family"),
        JAVA_SHORT.withName("sin6_port"),
        JAVA_INT.withName("sin6_flowinfo"),
        MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("sin6_addr"),
        JAVA_INT.withName("sin6_scope_id")).withName("sockaddr_in6");

    /** {@code struct pollfd} (8 bytes). */
    public static final StructLayout POLLFD = MemoryLayout.structLayout(
        JAVA_INT.withName("fd"),
        JAVA_SHORT.withName("events"),
        JAVA_SHORT.withName("revents")).withName("pollfd");

    /** {@code IBV_WR_RDMA_READ}. */
    public static final int IBV_WR_RDMA_READ = 4;
    /** {@code IBV_SEND_SIGNALED}. */
    public static final int IBV_SEND_SIGNALED = 1 << 1;
    /** {@code IBV_QPT_RC}. */
    public static final int IBV_QPT_RC = 2;
    /** {@code IBV_ACCESS_LOCAL_WRITE}. */
    public static final int IBV_ACCESS_LOCAL_WRITE = 1;
    /** {@code IBV_ACCESS_REMOTE_READ}. */
    public static final int IBV_ACCESS_REMOTE_READ = 1 << 2;
    /** {@code IBV_WC_SUCCESS}. */
    public static final int IBV_WC_SUCCESS = 0;
    /** {@code RDMA_PS_TCP}. */
    public static final int RDMA_PS_TCP = 0x0106;
    /** {@code RDMA_MAX_RESP_RES} and {@code RDMA_MAX_INIT_DEPTH}: "the device's maximum". */
    public static final int RDMA_MAX_DEPTH = 0xFF;
    /** {@code AF_INET}. */
    public static final int AF_INET = 2;
    /** {@code AF_INET6}. */
    public static final int AF_INET6 = 10;
    /** {@code POLLIN}. */
    public static final int POLLIN = 1;
    /** {@code RDMA_CM_EVENT_CONNECT_REQUEST}. */
    public static final int RDMA_CM_EVENT_CONNECT_REQUEST = 4;
    /** {@code RDMA_CM_EVENT_CONNECT_ERROR}. */
    public static final int RDMA_CM_EVENT_CONNECT_ERROR = 6;
    /** {@code RDMA_CM_EVENT_UNREACHABLE}. */
    public static final int RDMA_CM_EVENT_UNREACHABLE = 7;
    /** {@code RDMA_CM_EVENT_REJECTED}. */
    public static final int RDMA_CM_EVENT_REJECTED = 8;
    /** {@code RDMA_CM_EVENT_ESTABLISHED}. */
    public static final int RDMA_CM_EVENT_ESTABLISHED = 9;
    /** {@code RDMA_CM_EVENT_DISCONNECTED}. */
    public static final int RDMA_CM_EVENT_DISCONNECTED = 10;
    /** {@code RDMA_CM_EVENT_DEVICE_REMOVAL}. */
    public static final int RDMA_CM_EVENT_DEVICE_REMOVAL = 11;

    /** Names of {@code enum ibv_wc_status}, by value: stable codes for a failed work completion. */
    static final String[] WC_STATUS_NAMES = {
        "IBV_WC_SUCCESS", "IBV_WC_LOC_LEN_ERR", "IBV_WC_LOC_QP_OP_ERR", "IBV_WC_LOC_EEC_OP_ERR",
        "IBV_WC_LOC_PROT_ERR", "IBV_WC_WR_FLUSH_ERR", "IBV_WC_MW_BIND_ERR", "IBV_WC_BAD_RESP_ERR",
        "IBV_WC_LOC_ACCESS_ERR", "IBV_WC_REM_INV_REQ_ERR", "IBV_WC_REM_ACCESS_ERR", "IBV_WC_REM_OP_ERR",
        "IBV_WC_RETRY_EXC_ERR", "IBV_WC_RNR_RETRY_EXC_ERR", "IBV_WC_LOC_RDD_VIOL_ERR",
        "IBV_WC_REM_INV_RD_REQ_ERR", "IBV_WC_REM_ABORT_ERR", "IBV_WC_INV_EECN_ERR", "IBV_WC_INV_EEC_STATE_ERR",
        "IBV_WC_FATAL_ERR", "IBV_WC_RESP_TIMEOUT_ERR", "IBV_WC_GENERAL_ERR", "IBV_WC_TM_ERR",
        "IBV_WC_TM_RNDV_INCOMPLETE",
    };

    private Structs()
    {
    }

    /**
     * @param layout a struct layout above.
     * @param path   member names, outermost first.
     * @return the member's byte offset.
     */
    public static long offset(final MemoryLayout layout, final String... path)
    {
        final PathElement[] elements = new PathElement[path.length];
        for (int i = 0; i < path.length; i++)
        {
            elements[i] = PathElement.groupElement(path[i]);
        }
        return layout.byteOffset(elements);
    }

    /**
     * @param status an {@code ibv_wc_status} value.
     * @return its name, e.g. {@code IBV_WC_REM_ACCESS_ERR}.
     */
    public static String wcStatusName(final int status)
    {
        return status >= 0 && status < WC_STATUS_NAMES.length ? WC_STATUS_NAMES[status] : "IBV_WC_STATUS_" + status;
    }
}
