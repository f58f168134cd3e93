# shellcheck shell=bash
# What every shaped-network bench shares (bench/run, bench/run-containerd): parsing --size and --rate, the
# namespaces on a bridge with tbf on both ends of each veth, running in a node, counting bytes and CPU, the Starling
# processes, the timed window of one method, and cleaning up on EXIT, INT and TERM. Sourced, never run; see
# bench/README.md.
#
# The sourcing script sets NODES (the origin included) and RATE_BPS, then calls bench_init once, from its own shell
# (the traps are that shell's). A method m is two functions the script defines: start_m (origin side and anything
# per node before the clock) and client_m K (node K's download; returns once the node holds the result). Two hooks
# serve every method, no-ops unless the script redefines them: verify_node M K (after the window, while every
# process still runs) and finish_method M (after every process in the namespaces has been stopped). Between them
# they write "ok" or "bad" to $WORK/M/nK.sha for each downloading node.

die() { echo "bench: $*" >&2; exit 1; }
now() { date +%s.%N; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

size_bytes() { numfmt --from=iec "$(echo "$1" | tr a-z A-Z)"; }   # 512m -> 536870912 (k/m/g are KiB/MiB/GiB)
rate_bps() { # 200mbit -> 200000000 (k/m/g as tc counts them: 10^3/10^6/10^9 bit/s)
  python3 -c '
import re, sys
m = re.fullmatch(r"([0-9.]+)(kbit|mbit|gbit)", sys.argv[1].lower())
if not m: sys.exit(1)
print(int(float(m[1]) * {"kbit": 1e3, "mbit": 1e6, "gbit": 1e9}[m[2]]))' "$1"
}
machine() {
  echo "$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(uname -r), \
$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
}

bench_init() { # OUT_BASE: makes STAMP, OUT, TAG, WORK, SHM and installs the cleanup traps
  STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
  OUT="$1/$STAMP"
  TAG="sb$$"                                   # prefix of every namespace and shm directory made here
  WORK="$(mktemp -d /var/tmp/starling-bench.XXXXXX)"
  SHM="/dev/shm/$TAG"
  BR_NS="$TAG-br"
  CLIENT_PIDS=()
  trap cleanup EXIT
  trap 'echo "bench: interrupted" >&2; exit 130' INT TERM
}
ORIGIN_IP=10.77.0.1
node_ip() { echo "10.77.0.$(($1 + 1))"; }
ns() { echo "$TAG-n$1"; }

kill_namespace_processes() { # every process in our namespaces: TERM, up to 10 s, then KILL
  local k pids round
  for round in $(seq 1 50); do
    pids=""
    for k in $(seq 0 $((NODES - 1))); do
      pids+=" $(ip netns pids "$(ns "$k")" 2>/dev/null | tr '\n' ' ')"
    done
    [ -n "${pids// /}" ] || return 0
    # shellcheck disable=SC2086
    if [ "$round" -lt 50 ]; then kill $pids 2>/dev/null || true; else kill -9 $pids 2>/dev/null || true; fi
    sleep 0.2
  done
}
# Mounts under the work directory (a snapshotter's), deepest first. Processes started with `ip netns exec` mount in a
# mount namespace of their own that ends with them, so normally there is none left to find.
unmount_work() {
  [ -n "${WORK:-}" ] || return 0
  awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}
cleanup() {
  set +e
  trap - INT TERM EXIT
  stop_rates
  kill_namespace_processes
  local k p
  for k in $(seq 0 $((NODES - 1))); do
    for p in $(ip netns pids "$(ns "$k")" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  done
  for p in "${CLIENT_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  for k in $(seq 0 $((NODES - 1))); do ip netns del "$(ns "$k")" 2>/dev/null; done
  ip netns del "$BR_NS" 2>/dev/null            # takes the bridge and the bridge ends of the veths with it
  rm -rf "$SHM"
  unmount_work
  if [ -n "${BENCH_KEEP:-}" ]; then echo "bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}

# --- network: a bridge in a namespace of its own, so the host's network is never touched --------------------------
# Node k has eth0 (10.77.0.k+1) in namespace $TAG-nk; its peer vK sits on the bridge. tbf on eth0 shapes the node's
# upload, tbf on vK (egress towards the node) its download. Burst: 4 ms at the rate, at least 32 KiB.
setup_network() {
  BURST="$(python3 -c "print(max(32768, $RATE_BPS // 8 // 250))")"
  ip netns add "$BR_NS"
  ip -n "$BR_NS" link add br0 type bridge
  ip -n "$BR_NS" link set br0 up
  local k
  for k in $(seq 0 $((NODES - 1))); do
    ip netns add "$(ns "$k")"
    ip link add "v$k" netns "$BR_NS" type veth peer name eth0 netns "$(ns "$k")"
    ip -n "$BR_NS" link set "v$k" master br0 up
    ip -n "$(ns "$k")" addr add "$(node_ip "$k")/24" dev eth0
    ip -n "$(ns "$k")" link set lo up
    ip -n "$(ns "$k")" link set eth0 up
    tc -n "$(ns "$k")" qdisc add dev eth0 root tbf rate "$RATE_BPS"bit burst "$BURST" latency 50ms
    tc -n "$BR_NS" qdisc add dev "v$k" root tbf rate "$RATE_BPS"bit burst "$BURST" latency 50ms
  done
  # Every node reaches the origin (the bridge forwards once its ports are up).
  for k in $(seq 1 $((NODES - 1))); do
    for _ in $(seq 1 50); do
      ip netns exec "$(ns "$k")" timeout 1 bash -c "exec 3<>/dev/tcp/$ORIGIN_IP/9" 2>/dev/null || true
      ip -n "$(ns "$k")" neigh show "$ORIGIN_IP" | grep -q lladdr && break
      sleep 0.1
    done
  done
}

# The page cache every method writes into must cost the same for each: on a virtual machine whose host backs guest
# memory lazily (this one: writing 4 GiB into fresh page-cache pages took 6.8 s of system time, the same 4 GiB again
# right after deleting the file 0.85-1.04 s, measured with dd), the first method of a run, or the one after a bigger
# warm-up, would pay for touching memory the others get warm. So before each method's clock the harness writes and
# deletes as many bytes as the nodes will store (N x S, at most half the available memory), once the method's
# processes are up. On a real node it only costs a few seconds before the clock.
prefault_memory() {
  local mib half
  mib=$(( NODES * SIZE_BYTES / 1048576 ))
  half="$(awk '/MemAvailable/ {print int($2 / 2048)}' /proc/meminfo)"   # KiB -> MiB, halved
  [ "$mib" -le "$half" ] || mib="$half"
  dd if=/dev/zero of="$WORK/prefault" bs=1M count="$mib" status=none
  rm -f "$WORK/prefault"
}

# Every node's bytes on the wire over time, for report.py's rates CSV and plot: every 0.25 s a line "epoch s0 r0 s1 r1
# ..." read on the bridge, where port vK's rx_bytes are what node K sent and its tx_bytes what node K received. Runs
# in the bridge's namespace (no node's process list sees it); stop_rates and cleanup end it.
RATES_PID=""
start_rates() { # file
  ip netns exec "$BR_NS" bash -c 'export LC_ALL=C; files=()
    for ((k = 0; k < $2; k++)); do files+=(/sys/class/net/v$k/statistics/rx_bytes /sys/class/net/v$k/statistics/tx_bytes); done
    while :; do echo "$EPOCHREALTIME" $(cat "${files[@]}") >> "$1"; sleep 0.25; done' bash "$1" "$NODES" &
  RATES_PID=$!
}
stop_rates() {
  [ -n "$RATES_PID" ] || return 0
  kill "$RATES_PID" 2>/dev/null || true
  wait "$RATES_PID" 2>/dev/null || true
  RATES_PID=""
}

in_node() { local k="$1"; shift; ip netns exec "$(ns "$k")" "$@"; }
# A client that exits before the method ends reports its CPU (getrusage of its children, via bash's times) itself.
in_node_timed() { # k times-file command...
  local k="$1" file="$2"; shift 2
  ip netns exec "$(ns "$k")" bash -c '"${@:2}"; rc=$?; times > "$1.tmp"; mv "$1.tmp" "$1"; exit $rc' bash "$file" "$@"
}
tx_bytes() { ip netns exec "$(ns "$1")" cat /sys/class/net/eth0/statistics/tx_bytes; }
# CPU of every process in our namespaces: "node pid clock-ticks command" (utime+stime and those of reaped children;
# the command name as /proc/PID/stat gives it, blanks made _).
# Processes are not moved into cgroups of our own: this machine's process accounting is not ours to rearrange.
cpu_snapshot() {
  local k
  for k in $(seq 0 $((NODES - 1))); do
    ip netns pids "$(ns "$k")" | sed "s/^/$k /"
  done | python3 -c '
import sys
for line in sys.stdin:
    k, pid = line.split()
    try:
        with open(f"/proc/{pid}/stat") as f:
            name, rest = f.read().split("(", 1)[1].rsplit(")", 1)
    except OSError:
        continue
    print(k, pid, sum(int(x) for x in rest.split()[11:15]), "_".join(name.split()) or "_")' > "$1"
}
wait_for() { # seconds description command...: polls every 0.1 s
  local limit="$1" what="$2"; shift 2
  local i
  for i in $(seq 1 $((limit * 10))); do "$@" 2>/dev/null && return 0; sleep 0.1; done
  die "timed out after ${limit}s waiting for $what"
}
listening() { ip netns exec "$(ns "$1")" ss -Hln "( sport = :$2 )" | grep -q .; }

# --- Starling: a scheduler and a seed daemon at the origin, a daemon per node ----------------------------------------
# DAEMON_ARGS (an array the script sets) and STARLING_ARGS (--starling-args, split at spaces) go to every daemon.
SCHED_PORT=8002; PIECE_PORT=65000; METRICS_PORT=65003
# shellcheck disable=SC2086 # --starling-args is a list of flags, split at spaces
start_daemon() { # k [--seed]
  local k="$1" ip; shift
  ip="$(node_ip "$k")"
  in_node "$k" "$ROOT/starling" daemon --data-dir "$WORK/s$k" --aeron-dir "$SHM/aeron-n$k" \
    --piece-listen "$ip:$PIECE_PORT" --advertise-address "$ip" --metrics-listen "$ip:$METRICS_PORT" \
    "${DAEMON_ARGS[@]}" --scheduler "$ORIGIN_IP:$SCHED_PORT" $STARLING_ARGS "$@" \
    > "$WORK/starling-n$k.out" 2> "$WORK/starling-n$k.err" &
}
daemon_ready() { grep -q ready "$WORK/starling-n$1.out"; }
# Daemon k's Prometheus text into $WORK/M/nK.metrics (empty when it does not answer): call it from verify_node, after
# the window and before the harness stops the processes. report.py's starling_sources reads the files.
scrape_metrics() { # M k [SUFFIX]: daemon k's /metrics into $WORK/M/nk.metrics[SUFFIX]
  in_node "$2" curl -sS --max-time 5 "http://$(node_ip "$2"):$METRICS_PORT/metrics" > "$WORK/$1/n$2.metrics${3:-}" || true
}
start_swarm() { # the scheduler, the seed daemon at the origin and a daemon per node; returns once all are ready
  in_node 0 "$ROOT/starling" scheduler --listen "$ORIGIN_IP:$SCHED_PORT" --aeron-dir "$SHM/aeron-scheduler" \
    > "$WORK/scheduler.out" 2> "$WORK/scheduler.err" &
  wait_for 60 "the scheduler" grep -q ready "$WORK/scheduler.out"
  start_daemon 0 --seed
  local k
  for k in $(seq 1 $((NODES - 1))); do start_daemon "$k"; done
  for k in $(seq 0 $((NODES - 1))); do
    wait_for 120 "daemon $k (see $WORK/starling-n$k.err)" daemon_ready "$k"
  done
}

# --- one method ------------------------------------------------------------------------------------------------------
# Records in $WORK/m, per node: finish time (nK.done) or nK.failed / nK.timeout, eth0 tx bytes before and after
# (nK.tx0, nK.tx1), the CPU of every process in the namespaces at the start and end (cpu0, cpu1) and the CPU of
# clients that exited within the window (nK.times). bench/report.py reads them.
verify_node() { :; }
finish_method() { :; }
run_method() {
  local m="$1" k t0 deadline left
  log "$m: starting"
  rm -rf "$WORK/$m"; mkdir -p "$WORK/$m"
  for k in $(seq 1 $((NODES - 1))); do rm -rf "$WORK/n$k"; mkdir -p "$WORK/n$k"; done
  "start_$m"
  prefault_memory
  sync
  for k in $(seq 0 $((NODES - 1))); do tx_bytes "$k" > "$WORK/$m/n$k.tx0"; done
  cpu_snapshot "$WORK/$m/cpu0"
  start_rates "$WORK/$m/rates.tsv"
  t0="$(now)"; echo "$t0" > "$WORK/$m/t0"
  CLIENT_PIDS=()
  for k in $(seq 1 $((NODES - 1))); do
    ( if "client_$m" "$k"; then
        [ -f "$WORK/$m/n$k.done" ] || now > "$WORK/$m/n$k.done"
      else
        echo "client exited with $?" > "$WORK/$m/n$k.failed"
      fi ) &
    CLIENT_PIDS+=($!)
  done
  deadline=$(( $(date +%s%N) + TIMEOUT * 1000000000 ))
  while :; do
    left=0
    for k in $(seq 1 $((NODES - 1))); do
      [ -f "$WORK/$m/n$k.done" ] || [ -f "$WORK/$m/n$k.failed" ] || left=$((left + 1))
    done
    [ "$left" = 0 ] && break
    if [ "$(date +%s%N)" -ge "$deadline" ]; then
      log "$m: timed out after ${TIMEOUT}s with $left nodes unfinished"
      for k in $(seq 1 $((NODES - 1))); do
        [ -f "$WORK/$m/n$k.done" ] || [ -f "$WORK/$m/n$k.failed" ] || touch "$WORK/$m/n$k.timeout"
      done
      break
    fi
    sleep 0.1
  done
  now > "$WORK/$m/t1"
  stop_rates
  cpu_snapshot "$WORK/$m/cpu1"
  for k in $(seq 0 $((NODES - 1))); do tx_bytes "$k" > "$WORK/$m/n$k.tx1"; done
  for k in $(seq 1 $((NODES - 1))); do   # clients that finished (and exited) within the window
    [ ! -f "$WORK/n$k/times" ] || cp "$WORK/n$k/times" "$WORK/$m/n$k.times"
  done
  for k in $(seq 1 $((NODES - 1))); do verify_node "$m" "$k"; done
  kill_namespace_processes
  for k in "${CLIENT_PIDS[@]}"; do wait "$k" 2>/dev/null || true; done
  CLIENT_PIDS=()
  finish_method "$m"
  log "$m: done in $(python3 -c "print(f'{$(cat "$WORK/$m/t1") - $(cat "$WORK/$m/t0"):.1f}')") s"
}
