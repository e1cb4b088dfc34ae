#!/usr/bin/env bash
# Brings up a single-node Slurm 22.05 cluster on this machine from Debian's packages, for
# the Slurm executor's tests (Tests/SchedulerTests/SlurmClusterTests.swift). Needs root.
#
#   Tests/slurm/start-cluster.sh          install if needed, configure, start, wait idle
#   Tests/slurm/start-cluster.sh --stop   stop the daemons
#
# The configuration makes the hard cases testable in seconds rather than minutes:
# - cred_expire=5 and KillWait=5, so a requeued job starts again within ~10 s (the
#   defaults, 121 s and 30 s, would make every requeue test wait two minutes);
# - two partitions on the one node, `low` (the default) and `high`, with partition-priority
#   preemption in REQUEUE mode: a job in `high` that needs the node requeues what runs in
#   `low`, and preempt_send_user_signal gives the preempted job its --signal first;
# - 8 CPUs advertised on a smaller machine (config_overrides), so a sweep has several
#   tasks running at once and a job asking for all 8 must preempt them;
# - MaxArraySize=256, so a 1,000-run sweep is split into several arrays as on a real cluster
#   (where the default is 1001);
# - no accounting database: `sacct` fails, which the executor treats as a normal case.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "start-cluster.sh: needs root (it writes /etc/slurm and starts daemons)" >&2
  exit 1
fi

stop() {
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
}
if [ "${1:-}" = "--stop" ]; then
  stop
  exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null
fi

# munge: one key, the daemon as the munge user.
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile=/etc/munge/munge.key
fi
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! pgrep -x munged >/dev/null; then
  su -s /bin/sh munge -c /usr/sbin/munged
fi

memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
memory=$((memory * 9 / 10))
spool=/var/spool/cairn-slurm
mkdir -p "$spool/ctld" "$spool/d" /var/log/slurm

cat >/etc/slurm/slurm.conf <<EOF
ClusterName=cairn-test
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=cred_expire=5
StateSaveLocation=$spool/ctld
SlurmdSpoolDir=$spool/d
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,bf_interval=1
SlurmctldParameters=preempt_send_user_signal
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=300
KillWait=5
MaxArraySize=256
MaxJobCount=20000
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
NodeName=localhost NodeAddr=127.0.0.1 CPUs=8 RealMemory=$memory State=UNKNOWN
PartitionName=low Nodes=localhost Default=YES MaxTime=INFINITE State=UP PriorityTier=1 PreemptMode=REQUEUE GraceTime=10
PartitionName=high Nodes=localhost MaxTime=INFINITE State=UP PriorityTier=10 PreemptMode=OFF
EOF

stop
slurmctld -i
# The node is "localhost" whatever this machine's hostname is.
slurmd -N localhost

for _ in $(seq 1 120); do
  if sinfo -h -N -o '%T' 2>/dev/null | grep -qx idle; then
    echo "slurm: node idle ($(sinfo -h -o '%P %a %D %T' | tr '\n' ' '))"
    exit 0
  fi
  sleep 0.5
done
echo "start-cluster.sh: the node did not become idle within 60 s; see /var/log/slurm/" >&2
sinfo -N -l >&2 || true
exit 1
