#!/usr/bin/env bash
# A real one-machine Slurm cluster for the tests (issue 17), from Debian's
# packages and without systemd: munged, slurmctld and one slurmd per "node"
# (n1..nN, each on its own port) run as background daemons of this machine.
# Ends when `sinfo` shows every node idle and a trivial `sbatch --wrap true`
# has completed; fails (non-zero, daemons' logs tailed) otherwise.
# Idempotent: a second run finds the cluster up and only checks it again.
# Run as root. Environment (defaults in brackets):
#   SLURM_NODES [2]      slurmd "nodes" on this machine
#   SLURM_NODE_CPUS [16] CPUs each node declares: more than the machine has, so
#                        many I/O-bound jobs (sessions waiting on a model) run at once
#   SLURM_NODE_MEM [8192] MB each node declares (the jobs' --mem is enforced per job)
#   SLURM_FORCE_CONF=1   rewrite slurm.conf and restart the daemons even when they are up
set -euo pipefail

nodes=${SLURM_NODES:-2}
cpus=${SLURM_NODE_CPUS:-16}
mem=${SLURM_NODE_MEM:-8192}
conf_dir=/etc/slurm
log_dir=/var/log/slurm
state_dir=/var/lib/slurm/slurmctld
spool=/var/spool/slurmd
host=$(hostname -s)
t0=$(date +%s.%N)
say() { echo "[slurm-up +$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s] $*"; }

die() {
  echo "slurm-up: $*" >&2
  for f in "$log_dir"/slurmctld.log "$log_dir"/slurmd-n*.log /var/log/munge/munged.log; do
    [ -f "$f" ] || continue
    echo "---- tail $f" >&2
    # munged logs a benign "Unauthorized credential for client UID=0" for most jobs: not the news.
    grep -v 'Unauthorized credential' "$f" | tail -n 30 >&2
  done
  exit 1
}

[ "$(id -u)" = 0 ] || die "run as root (it starts munged, slurmctld and slurmd)"
for b in munged slurmctld slurmd sbatch sinfo sacct scontrol; do
  command -v "$b" >/dev/null || die "$b is missing: apt-get install slurm-wlm munge"
done

# --- cgroups: v1 (tmpfs at /sys/fs/cgroup with per-controller mounts) or v2 (cgroup2fs).
# On v1 Slurm confines each job in its own memory/freezer cgroup (task/cgroup,
# proctrack/cgroup), which is what makes --mem a limit and scancel reach every process.
fs=$(stat -fc %T /sys/fs/cgroup)
case "$fs" in
  tmpfs)
    [ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/freezer ] || die "cgroup v1 without memory or freezer controller"
    cgroup_plugin=cgroup/v1 ;;
  cgroup2fs) cgroup_plugin=cgroup/v2 ;;
  *) die "unknown cgroup filesystem at /sys/fs/cgroup: $fs" ;;
esac

# --- munge: a key if there is none, then the daemon.
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  say "generated /etc/munge/munge.key"
fi
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  rm -f /run/munge/munged.pid
  runuser -u munge -- /usr/sbin/munged --force || die "munged did not start"
  for _ in $(seq 1 50); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi
munge -n </dev/null | unmunge >/dev/null 2>&1 || die "munge cannot encode and decode a credential"
say "munged is up"

# --- slurm.conf for this machine.
node_lines=""
for i in $(seq 1 "$nodes"); do
  node_lines+="NodeName=n$i NodeHostname=$host NodeAddr=127.0.0.1 Port=$((17000 + i)) CPUs=$cpus RealMemory=$mem State=UNKNOWN"$'\n'
done
conf=$(cat <<EOF
# Written by scripts/ci/slurm-up.sh: a one-machine test cluster (issue 17).
ClusterName=baton
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=6817
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=$state_dir
SlurmdSpoolDir=$spool/%n
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd-%n.pid
SlurmctldLogFile=$log_dir/slurmctld.log
SlurmdLogFile=$log_dir/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
MpiDefault=none
MailProg=/bin/true
SwitchType=switch/none
ReturnToService=2
# Several slurmd on one host declare more CPUs than it has (see SLURM_NODE_CPUS);
# config_overrides makes slurmd accept the declared CPUs and memory.
SlurmdParameters=config_overrides
SelectType=select/cons_tres
# CR_LLN: each job goes to the least loaded node, so jobs spread over the nodes.
SelectTypeParameters=CR_CPU_Memory,CR_LLN
# A job without --mem gets this much per CPU instead of the whole node.
DefMemPerCPU=256
# Jobs start as soon as they are submitted (the default batch_sched_delay adds ~3 s).
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
# Each job in its own cgroup: --mem enforced (OUT_OF_MEMORY), scancel reaches every process.
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup
JobAcctGatherType=jobacct_gather/none
# No slurmdbd: finished jobs' states and exit codes come from \`sacct -c\` (this file),
# and \`scontrol show job\` keeps a finished job for MinJobAge seconds.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$log_dir/jobcomp.log
MinJobAge=3600
# scancel and time limits: SIGTERM, then SIGKILL after KillWait seconds.
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
$node_lines
PartitionName=debug Nodes=n[1-$nodes] Default=YES MaxTime=INFINITE State=UP
EOF
)
cgroup_conf=$(cat <<EOF
# Written by scripts/ci/slurm-up.sh.
CgroupPlugin=$cgroup_plugin
ConstrainRAMSpace=yes
ConstrainSwapSpace=yes
AllowedSwapSpace=0
# The declared CPUs exceed the machine's, so cores are shared, not pinned.
ConstrainCores=no
ConstrainDevices=no
EOF
)

changed=0
if [ "${SLURM_FORCE_CONF:-0}" = 1 ] || [ "$(cat $conf_dir/slurm.conf 2>/dev/null)" != "$conf" ]; then
  printf '%s\n' "$conf" >"$conf_dir/slurm.conf"
  changed=1
fi
if [ "$(cat $conf_dir/cgroup.conf 2>/dev/null)" != "$cgroup_conf" ]; then
  printf '%s\n' "$cgroup_conf" >"$conf_dir/cgroup.conf"
  changed=1
fi
install -d -o slurm -g slurm -m 0755 "$log_dir" "$state_dir"
for i in $(seq 1 "$nodes"); do install -d -m 0755 "$spool/n$i"; done
touch "$log_dir/jobcomp.log" && chown slurm:slurm "$log_dir/jobcomp.log"

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if [ "$changed" = 1 ]; then
  # A new configuration: stop what runs under the old one (by pid file, nothing else).
  for p in /run/slurmctld.pid /run/slurmd-n*.pid; do
    [ -e "$p" ] || continue
    alive "$p" && kill "$(cat "$p")" 2>/dev/null || true
  done
  for p in /run/slurmctld.pid /run/slurmd-n*.pid; do
    [ -e "$p" ] || continue
    for _ in $(seq 1 50); do alive "$p" || break; sleep 0.1; done
    rm -f "$p"
  done
  say "wrote $conf_dir/slurm.conf ($nodes nodes x $cpus CPUs, $mem MB; $cgroup_plugin)"
fi

# --- the daemons.
if ! alive /run/slurmctld.pid; then
  slurmctld || die "slurmctld did not start"
  say "started slurmctld"
fi
for i in $(seq 1 "$nodes"); do
  if ! alive "/run/slurmd-n$i.pid"; then
    slurmd -N "n$i" || die "slurmd -N n$i did not start"
    say "started slurmd n$i"
  fi
done

# --- wait for every node idle.
idle=0
for _ in $(seq 1 300); do
  idle=$(sinfo -h -N -o '%N %t' 2>/dev/null | awk '$2 == "idle" || $2 == "mix" || $2 == "alloc"' | sort -u | wc -l)
  [ "$idle" -ge "$nodes" ] && break
  sleep 0.1
done
[ "$idle" -ge "$nodes" ] || die "only $idle of $nodes nodes became idle: $(sinfo -N 2>&1 | tr '\n' ';')"
say "sinfo: $nodes nodes up ($(sinfo -h -o '%P %a %D %t' | tr '\n' ' '))"

# --- a trivial job must complete.
job=$(sbatch --parsable --job-name=slurm-up-probe --output=/dev/null --wrap true) || die "sbatch failed"
state=""
for _ in $(seq 1 300); do
  state=$(scontrol show job "$job" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
  case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE) break ;; esac
  sleep 0.1
done
[ "$state" = COMPLETED ] || die "the probe job $job ended ${state:-in no state within 30 s}"
say "probe job $job COMPLETED; the cluster is up"
