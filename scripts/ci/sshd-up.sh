#!/usr/bin/env bash
# An OpenSSH server on loopback through which the tests reach this machine's
# Docker engine as a remote host (issue 17): `DOCKER_HOST=ssh://baton-ssh@127.0.0.1:2222`
# for the docker CLI, and dockerode's ssh transport with the key in $dir.
# Its own sshd (own config, host key and pid file), not the system's sshd.
# The login is `baton-ssh`, an ordinary user in the docker group: that is what
# a user's GPU box gives baton (root logins stay refused), and it proves
# baton needs no root on the remote host, only the engine.
# Writes the connection details to $dir/ssh.env for the tests; fails
# (non-zero, sshd's log tailed) unless `docker info` works over SSH.
# Idempotent. Run as root. Environment: SSH_TEST_PORT [2222].
set -euo pipefail

port=${SSH_TEST_PORT:-2222}
user=baton-ssh
dir=/etc/baton-test
log=/var/log/baton-sshd.log
pidfile=/run/baton-sshd.pid
t0=$(date +%s.%N)
say() { echo "[sshd-up +$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s] $*"; }
die() {
  echo "sshd-up: $*" >&2
  [ -f "$log" ] && { echo "---- tail $log" >&2; tail -n 30 "$log" >&2; }
  exit 1
}

[ "$(id -u)" = 0 ] || die "run as root (it adds a user and starts sshd)"
[ -x /usr/sbin/sshd ] || die "sshd is missing: apt-get install openssh-server"
command -v docker >/dev/null || die "docker is missing"
getent group docker >/dev/null || die "no docker group (is docker.io installed?)"

# The login: no password (`*`, not the locked `!` that sshd refuses without PAM), keys only.
if ! id "$user" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --groups docker "$user"
  say "added user $user (groups: $(id -Gn "$user"))"
fi
id -Gn "$user" | grep -qw docker || usermod -aG docker "$user"
usermod -p '*' "$user"

install -d -m 0755 "$dir"
[ -s "$dir/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C baton-test-host -f "$dir/ssh_host_ed25519_key"
[ -s "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "$user@baton-test" -f "$dir/id_ed25519"
chmod 0600 "$dir/id_ed25519" "$dir/ssh_host_ed25519_key"
install -d -m 0755 "$dir/authorized_keys"
install -m 0644 "$dir/id_ed25519.pub" "$dir/authorized_keys/$user"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >"$dir/known_hosts"

cat >"$dir/sshd_config" <<EOF
# Written by scripts/ci/sshd-up.sh: loopback sshd for the remote-Docker tests.
Port $port
ListenAddress 127.0.0.1
HostKey $dir/ssh_host_ed25519_key
PidFile $pidfile
AuthorizedKeysFile $dir/authorized_keys/%u
AllowUsers $user
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
X11Forwarding no
# \`local\` lets a client forward the engine's socket (ssh2's openssh_forwardOutStreamLocal):
# one SSH connection for many API calls, ~50 ms a call instead of ~200 ms for
# docker-modem's connection + \`docker system dial-stdio\` per call. OpenSSH 9.2
# refuses socket forwarding under AllowTcpForwarding no, as many hardened hosts set.
AllowTcpForwarding local
PrintMotd no
# Lanes open many sessions at once; docker-modem opens one SSH connection per API call.
MaxStartups 100:30:200
MaxSessions 100
LogLevel INFO
EOF

# The docker CLI runs the system's ssh: this block gives it the key and host key
# for this user at 127.0.0.1 only.
cat >/etc/ssh/ssh_config.d/baton-test.conf <<EOF
# Written by scripts/ci/sshd-up.sh.
Match host 127.0.0.1 user $user
  IdentityFile $dir/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $dir/known_hosts
  StrictHostKeyChecking yes
EOF

cat >"$dir/ssh.env" <<EOF
# Written by scripts/ci/sshd-up.sh: the loopback SSH host the tests reach Docker through.
BATON_SSH_HOST=127.0.0.1
BATON_SSH_PORT=$port
BATON_SSH_USER=$user
BATON_SSH_KEY=$dir/id_ed25519
BATON_SSH_KNOWN_HOSTS=$dir/known_hosts
BATON_SSH_DOCKER_HOST=ssh://$user@127.0.0.1:$port
EOF

install -d -m 0755 /run/sshd
/usr/sbin/sshd -t -f "$dir/sshd_config" || die "sshd rejects $dir/sshd_config"
if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  pid=$(cat "$pidfile")
  kill -HUP "$pid" # re-reads the config (sshd re-executes itself under the same pid)
  say "sshd already running (pid $pid); reloaded"
  sleep 0.3
else
  /usr/sbin/sshd -f "$dir/sshd_config" -E "$log" || die "sshd did not start"
  say "started sshd on 127.0.0.1:$port"
fi

ok=0
for _ in $(seq 1 50); do
  if DOCKER_HOST="ssh://$user@127.0.0.1:$port" docker info --format '{{.ServerVersion}}' >/tmp/baton-sshd-probe 2>&1; then ok=1; break; fi
  sleep 0.2
done
[ "$ok" = 1 ] || die "docker info over ssh://$user@127.0.0.1:$port failed: $(cat /tmp/baton-sshd-probe)"
say "docker $(cat /tmp/baton-sshd-probe) reachable over ssh://$user@127.0.0.1:$port; details in $dir/ssh.env"
