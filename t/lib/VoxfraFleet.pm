package VoxfraFleet;

# The fleet tests' harness (docs/fleet.md): a real NATS JetStream cluster of
# `nats-server` processes on free loopback ports, with TLS (a CA and a
# server certificate made here with openssl) and user/password auth; the
# `voxfra-fleet` daemon; the CLI's --nats flags. Every process started here
# is stopped in an END block, also when a test dies. Core Perl only.
#
#   my $nats = VoxfraFleet->new(servers => 3);      # started, JetStream ready
#   $nats->urls; $nats->admin_args; $nats->node_args
#   $nats->kill_server($i); $nats->start_server($i); $nats->stop_all; $nats->start_all
#   my $d = $nats->daemon(db => $t->db, node => 'n1'); $d->sigkill; $d->start
#   $nats->stream_messages  # VOXFRA_CALLS read back by `voxfra fleet calls`

use strict;
use warnings;
use Carp qw(croak);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use VoxfraTest;

my $BUILD = VoxfraTest::build();
my $JSON = JSON::PP->new->utf8->canonical;
# Thousands of messages read back: Cpanel::JSON::XS when there (scripts/test installs it).
my $READ = eval { require Cpanel::JSON::XS; Cpanel::JSON::XS->new->utf8 } // $JSON;
my $NATS_SERVER = $ENV{NATS_SERVER_BIN} // '/usr/sbin/nats-server';

# Every process this harness started: pid => 1; killed at exit.
my %PIDS;
END {
    local ($?, $!);
    for my $pid (keys %PIDS) { kill 'KILL', $pid }
    waitpid($_, 0) for keys %PIDS;
}

sub available { return -x $NATS_SERVER && -x "$BUILD/voxfra-fleet" }

# wait_until($seconds, sub { ... }): polls every 50 ms; the sub's last true value, or undef.
sub wait_until {
    my ($seconds, $check) = @_;
    my $deadline = time + $seconds;
    while (1) {
        my $v = $check->();
        return $v if $v;
        return undef if time > $deadline;
        sleep 0.05;
    }
}

# Seconds until every node of @$nodes answers $want to a new call posted to
# $path (undef after $limit s): how long a change took to reach the fleet.
my $calls = 0;
sub until_all_answer {
    my ($nodes, $path, $want, $limit) = @_;
    my $t0 = time;
    my $ok = wait_until($limit, sub {
        for my $node (@$nodes) {
            my $body = JSON::PP->new->encode({ callId => 'fleet-' . ++$calls, startedAt => '2026-11-23T10:00:00Z',
                                               durationSeconds => 5 });
            return 0 unless $node->post($path, $body)->{status} == $want;
        }
        1;
    });
    return $ok ? time - $t0 : undef;
}

sub spawn {
    my ($log, @cmd) = @_;
    my $pid = fork // croak "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    $PIDS{$pid} = 1;
    return $pid;
}

sub reap {
    my ($pid, $signal, $seconds) = @_;
    return unless $pid && $PIDS{$pid};
    kill $signal, $pid;
    my $gone = wait_until($seconds // 10, sub { waitpid($pid, POSIX::WNOHANG()) == $pid });
    if (!$gone) { kill 'KILL', $pid; waitpid($pid, 0) }
    delete $PIDS{$pid};
}

sub write_file {
    my ($path, $text, $mode) = @_;
    open my $fh, '>', $path or croak "$path: $!";
    print $fh $text;
    close $fh;
    chmod $mode, $path if defined $mode;
}

sub run_ok {
    my (@cmd) = @_;
    my ($code, $out, $err) = VoxfraTest::run_cmd(@cmd);
    croak "@cmd failed ($code): $out$err" if $code;
    return $out;
}

# The test CA and a certificate for 127.0.0.1 and localhost, made with openssl.
sub make_certificates {
    my ($dir) = @_;
    my @ec = ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes');
    run_ok('openssl', 'req', '-x509', @ec, '-keyout', "$dir/ca.key", '-out', "$dir/ca.pem", '-days', '2',
           '-subj', '/CN=voxfra fleet test CA');
    run_ok('openssl', 'req', @ec, '-keyout', "$dir/server.key", '-out', "$dir/server.csr", '-subj', '/CN=localhost');
    write_file("$dir/san.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    run_ok('openssl', 'x509', '-req', '-in', "$dir/server.csr", '-CA', "$dir/ca.pem", '-CAkey', "$dir/ca.key",
           '-CAcreateserial', '-out', "$dir/server.pem", '-days', '2', '-extfile', "$dir/san.ext");
}

# What a node's user may do (README "Running a fleet"): publish its calls,
# read the endpoints bucket, nothing else; with $writes (a node whose
# Management API makes changes, docs/fleet.md) also write the bucket.
sub node_permissions {
    my ($writes) = @_;
    my $perm = <<'PERM';
        permissions: {
            publish: {
                allow: [@WRITES@"voxfra.calls.>", "voxfra.rates.>", "$JS.API.INFO", "$JS.API.STREAM.INFO.VOXFRA_CALLS", "$JS.API.STREAM.NAMES",
                        "$JS.API.STREAM.INFO.KV_voxfra_endpoints",
                        "$JS.API.CONSUMER.CREATE.KV_voxfra_endpoints",
                        "$JS.API.CONSUMER.CREATE.KV_voxfra_endpoints.>",
                        "$JS.API.CONSUMER.DELETE.KV_voxfra_endpoints.>",
                        "$JS.FC.KV_voxfra_endpoints.>",
                        "$JS.API.CONSUMER.CREATE.VOXFRA_CALLS",
                        "$JS.API.CONSUMER.CREATE.VOXFRA_CALLS.>",
                        "$JS.API.CONSUMER.DELETE.VOXFRA_CALLS.>",
                        "$JS.FC.VOXFRA_CALLS.>"]
            }
            subscribe: { allow: ["_INBOX.>", "voxfra.rates.>"] }
        }
PERM
    my $write = '"$KV.voxfra_endpoints.>", "$JS.API.DIRECT.GET.KV_voxfra_endpoints.>",'
              . ' "$JS.API.STREAM.MSG.GET.KV_voxfra_endpoints", ';
    return $perm =~ s/\@WRITES\@/$writes ? $write : ''/er;
}

# VoxfraFleet->new(servers => 3[, node_writes => 1]): writes the configurations and starts the
# cluster; returns once every server reports JetStream ready. Users: admin, node (with
# node_writes => 1 it may write the endpoints bucket) and reader (a node's user that may not).
sub new {
    my ($class, %o) = @_;
    my $n = $o{servers} // 3;
    my $dir = tempdir('voxfra-fleet-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{VOXFRA_KEEP});
    make_certificates($dir);
    my $self = bless { dir => $dir, n => $n, servers => [], daemons => [], node_writes => $o{node_writes} }, $class;
    $self->{passwords} = { admin => 'admin-' . unpack('H*', pack('N2', rand(2**32), rand(2**32))),
                           node  => 'node-' . unpack('H*', pack('N2', rand(2**32), rand(2**32))),
                           reader => 'reader-' . unpack('H*', pack('N2', rand(2**32), rand(2**32))) };
    for my $user (qw(admin node reader)) { write_file("$dir/$user.password", "$self->{passwords}{$user}\n", 0600) }
    my %taken;
    my $port = sub { my $p; do { $p = VoxfraTest::free_port() } while $taken{$p}++; $p };
    for my $i (0 .. $n - 1) {
        push @{ $self->{servers} }, { name => "nats$i", client => $port->(), cluster => $port->(), http => $port->() };
    }
    for my $i (0 .. $n - 1) { $self->write_server_conf($i) }
    $self->start_all;
    return $self;
}

sub dir { $_[0]{dir} }
sub ca { "$_[0]{dir}/ca.pem" }
sub password { $_[0]{passwords}{$_[1]} }
sub urls { join ',', map { "tls://127.0.0.1:$_->{client}" } @{ $_[0]{servers} } }
sub url_of { "tls://127.0.0.1:$_[0]{servers}[$_[1]]{client}" }
# The flags for the CLI (admin) and the daemons (node, or the user named).
sub admin_args { my $s = shift; ('--nats', $s->urls, '--nats-user', 'admin', '--nats-password-file', "$s->{dir}/admin.password", '--nats-ca', $s->ca) }
sub node_args  { my ($s, $user) = @_; $user //= 'node'; ('--nats', $s->urls, '--nats-user', $user, '--nats-password-file', "$s->{dir}/$user.password", '--nats-ca', $s->ca) }

sub write_server_conf {
    my ($self, $i) = @_;
    my $s = $self->{servers}[$i];
    my $dir = $self->{dir};
    make_path("$dir/$s->{name}/js");
    my $routes = join ', ', map { "\"nats-route://127.0.0.1:$_->{cluster}\"" } @{ $self->{servers} };
    my $node_permissions = node_permissions($self->{node_writes});
    my $reader_permissions = node_permissions(0);
    my $cluster = $self->{n} > 1 ? <<CLUSTER : '';
cluster {
    name: voxfra
    listen: 127.0.0.1:$s->{cluster}
    routes: [$routes]
}
CLUSTER
    write_file("$dir/$s->{name}/nats.conf", <<CONF);
server_name: $s->{name}
listen: 127.0.0.1:$s->{client}
http: 127.0.0.1:$s->{http}
jetstream {
    store_dir: "$dir/$s->{name}/js"
    max_memory_store: 64MB
    max_file_store: 1GB
}
tls {
    cert_file: "$dir/server.pem"
    key_file: "$dir/server.key"
    ca_file: "$dir/ca.pem"
    timeout: 5
}
authorization {
    users: [
        { user: admin, password: "$self->{passwords}{admin}" }
        { user: node, password: "$self->{passwords}{node}"
$node_permissions        }
        { user: reader, password: "$self->{passwords}{reader}"
$reader_permissions        }
    ]
}
$cluster
CONF
}

sub start_server {
    my ($self, $i) = @_;
    my $s = $self->{servers}[$i];
    return if $s->{pid};
    $s->{pid} = spawn("$self->{dir}/$s->{name}/nats.log", $NATS_SERVER, '-c', "$self->{dir}/$s->{name}/nats.conf");
    wait_until(10, sub { IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $s->{client}, Timeout => 1) })
        or croak "nats-server $s->{name} is not listening:\n" . $self->server_log($i);
}

sub stop_server { my ($self, $i) = @_; reap(delete $self->{servers}[$i]{pid}, 'TERM') }
sub kill_server { my ($self, $i) = @_; reap(delete $self->{servers}[$i]{pid}, 'KILL') }

sub start_all {
    my ($self) = @_;
    $self->start_server($_) for 0 .. $self->{n} - 1;
    $self->wait_ready or croak "JetStream is not ready:\n" . join("\n", map { $self->server_log($_) } 0 .. $self->{n} - 1);
}

sub stop_all { my ($self) = @_; $self->stop_server($_) for 0 .. $self->{n} - 1 }

sub server_log {
    my ($self, $i) = @_;
    my $path = "$self->{dir}/$self->{servers}[$i]{name}/nats.log";
    return -f $path ? VoxfraTest::slurp($path) : '';
}

# GET on a server's monitoring port; the decoded JSON, or undef.
sub monitor {
    my ($self, $i, $path) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{servers}[$i]{http}, Timeout => 2)
        or return undef;
    $s->syswrite("GET $path HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    my $raw = '';
    while (sysread($s, my $buf, 65536)) { $raw .= $buf }
    my (undef, $body) = split /\r\n\r\n/, $raw, 2;
    return eval { $JSON->decode($body // '') };
}

# Every running server knows the JetStream meta leader (a lone server:
# answers /healthz ok). Streams may still be catching up after a restart:
# the tests wait for what they count, with a bound.
sub wait_ready {
    my ($self, $seconds) = @_;
    return wait_until($seconds // 45, sub {
        for my $i (0 .. $self->{n} - 1) {
            next unless $self->{servers}[$i]{pid};
            if ($self->{n} == 1) {
                my $h = $self->monitor($i, '/healthz') or return 0;
                return 0 unless ($h->{status} // '') eq 'ok';
                next;
            }
            my $jsz = $self->monitor($i, '/jsz') or return 0;
            return 0 unless $jsz->{meta_cluster} && $jsz->{meta_cluster}{leader};
        }
        return 1;
    });
}

# The index of the server that leads $stream (undef when none does yet).
sub stream_leader {
    my ($self, $stream) = @_;
    for my $i (0 .. $self->{n} - 1) {
        next unless $self->{servers}[$i]{pid};
        my $jsz = $self->monitor($i, '/jsz?accounts=true&streams=true') or next;
        for my $acc (@{ $jsz->{account_details} // [] }) {
            for my $st (@{ $acc->{stream_detail} // [] }) {
                next unless $st->{name} eq $stream && $st->{cluster} && $st->{cluster}{leader};
                my $leader = $st->{cluster}{leader};
                for my $j (0 .. $self->{n} - 1) { return $j if $self->{servers}[$j]{name} eq $leader }
            }
        }
    }
    return undef;
}

# `voxfra <admin nats flags> @args`: (exit, stdout, stderr).
sub cli {
    my ($self, @args) = @_;
    return VoxfraTest::run_cmd("$BUILD/voxfra", $self->admin_args, @args);
}

sub cli_json {
    my ($self, @args) = @_;
    my ($code, $out, $err) = $self->cli(@args, '--json');
    croak "voxfra @args failed ($code): $err" if $code;
    return $JSON->decode($out);
}

# `voxfra fleet init`: the stream and the bucket (replicas = servers).
sub init {
    my ($self, @args) = @_;
    return $self->cli('fleet', 'init', '--replicas', $self->{n}, @args);
}

# Every message of VOXFRA_CALLS, read back by a NATS client
# (`voxfra fleet calls`): [{ seq, subject, node, recordId, msgId, record }].
sub stream_messages {
    my ($self) = @_;
    my ($code, $out, $err) = $self->cli('fleet', 'calls', '--json');
    croak "voxfra fleet calls failed ($code): $err" if $code;
    return [map { $READ->decode($_) } grep { /\S/ } split /\n/, $out];
}

# The stream's message count as a server's monitoring port reports it (undef
# when no running server knows the stream).
sub stream_count {
    my ($self) = @_;
    for my $i (0 .. $self->{n} - 1) {
        next unless $self->{servers}[$i]{pid};
        my $jsz = $self->monitor($i, '/jsz?accounts=true&streams=true') or next;
        for my $acc (@{ $jsz->{account_details} // [] }) {
            for my $st (@{ $acc->{stream_detail} // [] }) {
                return $st->{state}{messages} if $st->{name} eq 'VOXFRA_CALLS' && $st->{cluster}{leader};
            }
        }
    }
    return undef;
}

# Waits until the stream holds at least $n messages; the count at the end.
sub wait_stream_count {
    my ($self, $n, $seconds) = @_;
    my $count;
    wait_until($seconds // 30, sub { $count = $self->stream_count // 0; $count >= $n });
    return $count;
}

# call id => how many messages of the stream hold it.
sub stream_call_counts {
    my ($self) = @_;
    my %n;
    $n{ $_->{record}{callId} // '' }++ for @{ $self->stream_messages };
    return \%n;
}

# Posts custom calls "$prefix-$i" for $i in $from..$to to node $t in a child
# process; returns a handle for finish_posting.
sub start_posting {
    my ($t, $path, $prefix, $from, $to) = @_;
    my $file = $t->dir . "/posted-$prefix-$from-" . int(rand(1e9));
    my $pid = fork // croak "fork: $!";
    if (!$pid) {
        open my $out, '>', $file or POSIX::_exit(1);
        for my $i ($from .. $to) {
            my $body = $JSON->encode({ callId => "$prefix-$i", startedAt => '2026-11-23T10:00:00Z',
                                       durationSeconds => 30, transcript => "call $prefix-$i" });
            my $res = eval { $t->post($path, $body) };
            printf $out "%s %s %s %s\n", "$prefix-$i", $res ? $res->{status} : 0,
                $res && $res->{json} ? $res->{json}{status} // '-' : '-',
                $res && $res->{json} ? $res->{json}{recordId} // '-' : '-';
        }
        close $out;
        POSIX::_exit(0);   # no destructors: the parent owns the servers
    }
    return { pid => $pid, file => $file };
}

# Waits for the poster; returns { accepted => n, duplicate => n, other => n,
# answers => { call id => [status, record id] } }.
sub finish_posting {
    my ($h) = @_;
    waitpid($h->{pid}, 0);
    my %n = (accepted => 0, duplicate => 0, other => 0);
    for my $line (split /\n/, VoxfraTest::slurp($h->{file})) {
        my ($call, $code, $status, $id) = split ' ', $line;
        $n{ $code == 200 && ($status eq 'accepted' || $status eq 'duplicate') ? $status : 'other' }++;
        $n{answers}{$call} = [$status, $id];
    }
    return \%n;
}

# Publishes raw bytes as the bucket's value of $key, as any NATS client
# could (the protocol by hand, over TLS as admin): what a daemon must survive.
sub kv_put_raw {
    my ($self, $key, $bytes) = @_;
    require IO::Socket::SSL;
    my $port = (grep { $_->{pid} } @{ $self->{servers} })[0]{client};
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 5) or croak "connect: $!";
    my $info = <$s>;
    IO::Socket::SSL->start_SSL($s, SSL_ca_file => $self->ca, SSL_verifycn_name => 'localhost',
                               SSL_hostname => 'localhost') or croak "TLS: $IO::Socket::SSL::SSL_ERROR";
    my $connect = $JSON->encode({ user => 'admin', pass => $self->password('admin'), verbose => JSON::PP::false(),
                                  pedantic => JSON::PP::false(), tls_required => JSON::PP::true(), headers => JSON::PP::true() });
    print $s "CONNECT $connect\r\nPUB \$KV.voxfra_endpoints.$key " . length($bytes) . "\r\n$bytes\r\nPING\r\n";
    while (my $line = <$s>) {
        croak "NATS: $line" if $line =~ /^-ERR/;
        last if $line =~ /^PONG/;
    }
    close $s;
}

sub daemon {
    my ($self, %o) = @_;
    my $d = VoxfraFleet::Daemon->new(cluster => $self, %o);
    push @{ $self->{daemons} }, $d;
    $d->start unless defined $o{start} && !$o{start};
    return $d;
}

sub DESTROY {
    my ($self) = @_;
    local ($?, $!, $@);
    $_->stop for grep { defined } @{ $self->{daemons} };
    $self->stop_all;
}

package VoxfraFleet::Daemon;

use strict;
use warnings;
use Carp qw(croak);
use Time::HiRes qw(sleep time);

# One voxfra-fleet: db, node, cluster, user => the NATS user (node), args => [extra flags].
sub new {
    my ($class, %o) = @_;
    my $self = bless {%o}, $class;
    $self->{log} //= "$o{cluster}{dir}/daemon-$o{node}.log";
    return $self;
}

sub log_path { $_[0]{log} }
sub pid { $_[0]{pid} }

sub command {
    my ($self) = @_;
    return ("$BUILD/voxfra-fleet", '--db', $self->{db}, '--node', $self->{node}, $self->{cluster}->node_args($self->{user}),
            @{ $self->{args} // [] });
}

sub start {
    my ($self) = @_;
    return if $self->{pid};
    $self->{pid} = VoxfraFleet::spawn($self->{log}, $self->command);
    return $self;
}

sub stop { my ($self) = @_; VoxfraFleet::reap(delete $self->{pid}, 'TERM') }
sub sigkill { my ($self) = @_; VoxfraFleet::reap(delete $self->{pid}, "KILL") }

sub running {
    my ($self) = @_;
    return 0 unless $self->{pid};
    return 0 if waitpid($self->{pid}, POSIX::WNOHANG()) == $self->{pid};
    return 1;
}

sub log { -f $_[0]{log} ? VoxfraTest::slurp($_[0]{log}) : '' }

# Waits until the daemon's log has a line matching $re (after $from bytes).
sub wait_log {
    my ($self, $re, $seconds, $from) = @_;
    return VoxfraFleet::wait_until($seconds // 20, sub { substr($self->log, $from // 0) =~ $re });
}

1;
