#!/usr/bin/env perl
# Shipping calls survives failures (docs/fleet.md), each counted against the
# stream as a NATS client reads it back:
#  - every NATS server stopped: the node keeps accepting; when NATS returns,
#    every call stored meanwhile reaches the stream exactly once;
#  - voxfra-fleet SIGKILLed mid-shipping and restarted: nothing lost, nothing twice;
#  - the stream's leader SIGKILLed during shipping: nothing lost, nothing twice;
#  - the same 2,000 calls posted to two nodes (a provider retrying on another
#    node), with a daemon and the stream leader killed mid-run: each
#    idempotency key once in the stream.
#  - `calls prune` never deletes what the daemon has not shipped.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use VoxfraFleet;
use Time::HiRes qw(sleep time);
use POSIX ();

plan skip_all => 'nats-server or build/voxfra-fleet missing' unless VoxfraFleet::available();

my $nats = VoxfraFleet->new(servers => 3);
my ($code, $out, $err) = $nats->init;
is($code, 0, 'fleet init') or BAIL_OUT($err);

my @nodes = map { VoxfraTest->new } 1 .. 2;
my @paths = map { $_->create_endpoint(provider => 'custom', args => ['--rate-limit', 1000000])->{path} } @nodes;
my @daemons = map { $nats->daemon(db => $nodes[$_]->db, node => "node-$_") } 0 .. 1;
ok($daemons[$_]->wait_log(qr/caught up/, 20), "daemon $_ up") or diag $daemons[$_]->log for 0 .. 1;

my $expected = 0;   # distinct call ids posted so far
my $exactly_once = sub {
    my ($name, @prefixes) = @_;
    my $count = $nats->wait_stream_count($expected, 60);
    is($count, $expected, "$name: the stream holds $expected messages");
    my $seen = $nats->stream_call_counts;
    for my $prefix (@prefixes) {
        my @ids = grep { /^\Q$prefix\E-/ } keys %$seen;
        my @twice = grep { $seen->{$_} != 1 } @ids;
        ok(!@twice, "$name: no $prefix call twice") or diag "@twice[0 .. ($#twice < 5 ? $#twice : 5)]";
    }
};

# 1. All NATS servers down: the node keeps answering and storing.
$nats->stop_all;
ok($daemons[0]->wait_log(qr/ info: lost/, 20), 'the daemon notices the link is lost');
my $p = VoxfraFleet::start_posting($nodes[0], $paths[0], 'outage', 1, 300);
my $n = VoxfraFleet::finish_posting($p);
is($n->{accepted}, 300, 'NATS down: 300 calls accepted by the node');
$expected += 300;
my $status = $nodes[0]->cli_json('fleet', 'status');
is($status->{nats}, 'lost', 'fleet status: lost');
is($status->{unshipped}, 300, 'fleet status: 300 records not yet shipped');
ok($status->{oldestUnshippedAgeSeconds} >= 0, 'and the age of the oldest');
my $m = $nodes[0]->metrics->{samples};
is($m->{voxfra_fleet_unshipped_records}, 300, 'metrics: 300 unshipped');
is($m->{voxfra_fleet_nats_connected}, 0, 'metrics: not connected');
cmp_ok($m->{voxfra_fleet_oldest_unshipped_timestamp_seconds}, '>', 0, 'metrics: the oldest waiting record');
sleep 2;
$nats->start_all;
$exactly_once->('after the outage', 'outage');
is($nodes[0]->cli_json('fleet', 'status')->{unshipped}, 0, 'fleet status: nothing waits');
ok($daemons[0]->wait_log(qr/ info: resumed/, 5), 'the daemon logged the reconnect');

# 2. The daemon SIGKILLed mid-shipping (calls still arriving), then restarted.
my $base = $expected;
$p = VoxfraFleet::start_posting($nodes[0], $paths[0], 'daemonkill', 1, 1000);
$expected += 1000;
VoxfraFleet::wait_until(20, sub { ($nats->stream_count // 0) > $base + 100 });
$daemons[0]->sigkill;
my $mid = $nats->stream_count;
is(VoxfraFleet::finish_posting($p)->{accepted}, 1000, '1000 calls stored meanwhile');
cmp_ok($mid, '<', $expected, "killed mid-shipping ($mid of $expected in the stream)");
$daemons[0]->start;
$exactly_once->('daemon SIGKILLed', 'daemonkill');

# 3. The stream's leader SIGKILLed while the daemon ships.
$base = $expected;
$p = VoxfraFleet::start_posting($nodes[0], $paths[0], 'leaderkill', 1, 1000);
$expected += 1000;
VoxfraFleet::wait_until(20, sub { ($nats->stream_count // 0) > $base + 100 });
my $leader = $nats->stream_leader('VOXFRA_CALLS');
ok(defined $leader, 'the stream has a leader');
$nats->kill_server($leader);
$mid = $nats->stream_count // 0;
is(VoxfraFleet::finish_posting($p)->{accepted}, 1000, '1000 more calls stored');
ok(VoxfraFleet::wait_until(30, sub { my $l = $nats->stream_leader('VOXFRA_CALLS'); defined $l && $l != $leader }),
   "another server leads the stream (killed with $mid of $expected in it)");
$exactly_once->('leader SIGKILLed', 'leaderkill');
$nats->start_server($leader);
$nats->wait_ready;

# 4. The same 2,000 calls on two nodes, a daemon and the leader killed mid-run.
my @posting = map { VoxfraFleet::start_posting($nodes[$_], $paths[$_], 'retried', 1, 2000) } 0 .. 1;
$expected += 2000;
VoxfraFleet::wait_until(30, sub { ($nats->stream_count // 0) > $expected - 2000 + 300 });
$daemons[1]->sigkill;
$leader = $nats->stream_leader('VOXFRA_CALLS');
$nats->kill_server($leader) if defined $leader;
sleep 1;
$daemons[1]->start;
my @answers = map { VoxfraFleet::finish_posting($_) } @posting;
# A node answers `duplicate` for what the other's copy reached first (the replica).
is($answers[$_]{accepted} + $answers[$_]{duplicate}, 2000, "node $_ stored all 2000") for 0 .. 1;
$nats->start_server($leader) if defined $leader;
$exactly_once->('two nodes, daemon and leader killed', 'retried');
my %from;
$from{ $_->{node} }++ for grep { ($_->{record}{callId} // '') =~ /^retried-/ } @{ $nats->stream_messages };
ok(($from{'node-0'} // 0) + ($from{'node-1'} // 0) == 2000, "each key once, from either node (@{[ map { \"$_=$from{$_}\" } sort keys %from ]})");
for my $i (0 .. 1) {
    ok(VoxfraFleet::wait_until(30, sub { $nodes[$i]->cli_json('fleet', 'status')->{unshipped} == 0 }),
       "node $i shipped everything (its duplicates acknowledged)");
}

# 5. Prune keeps what is not shipped.
$daemons[0]->stop;
$p = VoxfraFleet::start_posting($nodes[0], $paths[0], 'unshipped', 1, 5);
VoxfraFleet::finish_posting($p);
my $before = scalar @{ $nodes[0]->cli_json('calls', 'list', '--limit', '100000') };
sleep 1.1;
my @now = gmtime(time);
my $pruned = $nodes[0]->cli_json('calls', 'prune', '--before', POSIX::strftime('%Y-%m-%dT%H:%M:%SZ', @now));
is($before - $pruned->{calls}, 5, 'prune deletes every shipped call and keeps the 5 unshipped');
ok($pruned->{keptUnshipped}, 'and says so');
$daemons[0]->start;
$expected += 5;
$exactly_once->('after prune', 'unshipped');

$_->check_error_log for @nodes;
done_testing;
