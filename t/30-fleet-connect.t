#!/usr/bin/env perl
# The fleet's daemon on one node (docs/fleet.md): it connects to a 3-server
# NATS JetStream cluster over TLS with a user and password, waits for the
# stream that `voxfra fleet init` makes, ships the node's calls (each once,
# with the node's name and record id), reports itself in `voxfra fleet
# status`, and never logs a secret. A wrong password or an untrusted
# certificate is refused with a clear reason.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use VoxfraFleet;

plan skip_all => 'nats-server or build/voxfra-fleet missing' unless VoxfraFleet::available();

my $json = VoxfraTest->json;
my $nats = VoxfraFleet->new(servers => 3);
my $t = VoxfraTest->new;
my $ep = $t->create_endpoint(provider => 'custom', args => ['--hmac']);

# Started before the stream exists: it says so and waits.
my $d = $nats->daemon(db => $t->db, node => 'node-a');
ok($d->wait_log(qr/ info: connected \(tls:\/\/127\.0\.0\.1:\d+\)/, 15), 'connected over TLS') or diag $d->log;
ok($d->wait_log(qr/stream VOXFRA_CALLS.*fleet init.*waiting/, 15), 'waits for the stream, naming fleet init')
    or diag $d->log;

my ($code, $out, $err) = $nats->init;
is($code, 0, 'fleet init') or diag $err;
like($out, qr/stream VOXFRA_CALLS: created \(3 replicas\)/, 'made the stream with 3 replicas');
($code, $out, $err) = $nats->init;
like($out, qr/stream VOXFRA_CALLS: exists.*bucket voxfra_endpoints: exists/s, 'a second init finds both');
ok($d->wait_log(qr/stream VOXFRA_CALLS found/, 15), 'the daemon finds it') or diag $d->log;

my $secret_file = $t->dir . "/secret";
VoxfraFleet::write_file($secret_file, $ep->{secret});
for my $i (1 .. 3) {
    my ($c, $o, $e) = VoxfraTest::run_cmd(VoxfraTest::build() . '/voxfra', 'send-test', '--provider', 'custom',
        '--url', $t->url($ep->{path}), '--secret-file', $secret_file);
    is($c, 0, "call $i accepted") or diag "$o$e";
}
my $messages = VoxfraFleet::wait_until(15, sub { my $m = $nats->stream_messages; @$m >= 3 ? $m : undef });
is(scalar @{ $messages // [] }, 3, 'three calls in the stream');
my $calls = $t->cli_json('calls', 'list');
my %stored = map { $_->{id} => $_ } @$calls;
for my $m (@{ $messages // [] }) {
    is($m->{node}, 'node-a', "message $m->{seq} names the node");
    ok($stored{ $m->{recordId} }, "and a record the node stored ($m->{recordId})");
    is($m->{record}{callId}, $stored{ $m->{recordId} }{callId}, 'its record is the unified record');
    like($m->{subject}, qr/^voxfra\.calls\.acme\.[0-9a-f]{64}$/, 'one subject per idempotency key');
    is($m->{msgId}, ($m->{subject} =~ /([0-9a-f]{64})$/)[0], 'the message id is the key hash');
}
ok($d->wait_log(qr/caught up/, 10), 'logs that it caught up');

my $status = $t->cli_json('fleet', 'status');
is($status->{node}, 'node-a', 'fleet status: node');
is($status->{nats}, 'connected', 'fleet status: connected');
is($status->{unshipped}, 0, 'fleet status: nothing waits');
is($status->{shippedThrough}, $calls->[0]{id}, 'fleet status: shipped through the newest record');
ok($status->{lastAckAt}, 'fleet status: last ack');

# The same figures as metrics.
my $m = $t->metrics->{samples};
is($m->{'voxfra_fleet_node_info{node="node-a"}'}, 1, 'metrics: the node');
is($m->{voxfra_fleet_nats_connected}, 1, 'metrics: connected');
is($m->{voxfra_fleet_unshipped_records}, 0, 'metrics: nothing waits');
is($m->{voxfra_fleet_oldest_unshipped_timestamp_seconds}, 0, 'metrics: no oldest');
cmp_ok(abs($m->{voxfra_fleet_last_ack_timestamp_seconds} - time), '<', 60, 'metrics: last ack');
is($m->{voxfra_fleet_endpoints_mirrored}, 1, 'metrics: endpoints in the store');

# One line per state change, never one per record; no secret anywhere.
$d->stop;
my $log = $d->log;
like($log, qr/ info: stopped/, 'stops on SIGTERM');
my $lines = () = $log =~ /\n/g;
cmp_ok($lines, '<', 12, "a few lines for the whole run ($lines)") or diag $log;
unlike($log, qr/\Q${\ $nats->password('node')}\E/, 'the NATS password is not in the log');
unlike($log, qr/\Q$ep->{secret}\E/, 'the endpoint secret is not in the log');
is($t->cli_json('fleet', 'status')->{nats}, 'stopped', 'fleet status: stopped');

# Refusals with reasons.
VoxfraFleet::write_file($nats->dir . '/wrong.password', "not-it\n", 0600);
my $bad = VoxfraFleet::Daemon->new(cluster => $nats, db => $t->db, node => 'node-a', log => $t->dir . '/bad.log');
my @cmd = $bad->command;
s/node\.password$/wrong.password/ for @cmd;
my $pid = VoxfraFleet::spawn($bad->log_path, @cmd);
ok(VoxfraFleet::wait_until(15, sub { $bad->log =~ /closed.*\n.*check --nats-user and --nats-password-file/ }), 'a wrong password: the daemon stops, naming the flags to check')
    or diag $bad->log;
VoxfraFleet::reap($pid, 'TERM');
unlike($bad->log, qr/not-it/, 'and does not show the password');

($code, $out, $err) = VoxfraTest::run_cmd(VoxfraTest::build() . '/voxfra', '--nats', $nats->urls, '--nats-user', 'admin',
    '--nats-password-file', $nats->dir . '/admin.password', 'fleet', 'calls');
isnt($code, 0, 'the CLI without --nats-ca does not trust the test CA');
like($err, qr/certificate|SSL|TLS|handshake/i, 'and says why') or diag $err;

($code, $out, $err) = $t->cli('fleet', 'calls', '--nats', 'tls://admin:pw@127.0.0.1:1');
is($code, 2, 'credentials in a --nats URL are refused');
like($err, qr/--nats-user and --nats-password-file/, 'naming the flags to use');

($code, $out, $err) = VoxfraTest::run_cmd(VoxfraTest::build() . '/voxfra-fleet', '--db', $t->db, '--node', 'other',
                                          $nats->node_args);
is($code, 1, 'a store claimed by another node is refused');
like($err, qr/belongs to node "node-a"/, 'naming the node') or diag $err;

$t->check_error_log;
done_testing;
