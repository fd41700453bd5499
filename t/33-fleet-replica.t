#!/usr/bin/env perl
# Every node holds the fleet's calls (docs/fleet.md): each voxfra-fleet
# applies the VOXFRA_CALLS stream into its node's store, so that
#  - 1,000 calls posted to node A and then to nodes B and C are answered
#    `duplicate` there, with A's record id, and every node's store holds the
#    1,000 records, each key once, the same content on every node;
#  - how long a call takes to reach another node is measured;
#  - a node whose store is wiped catches up from the stream;
#  - two nodes receiving the same 500 calls at once end with one record per
#    key on every node;
#  - --no-replica leaves a node with its own calls only.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use VoxfraFleet;
use File::Path qw(remove_tree);
use Time::HiRes qw(sleep time);

plan skip_all => 'nats-server or build/voxfra-fleet missing' unless VoxfraFleet::available();

my $json = VoxfraTest->json;
# Thousands of records read back: Cpanel::JSON::XS when there (scripts/test installs it).
my $read = eval { require Cpanel::JSON::XS; Cpanel::JSON::XS->new->utf8->canonical } // $json;
my $nats = VoxfraFleet->new(servers => 3);
my ($code, $out, $err) = $nats->init;
is($code, 0, 'fleet init') or BAIL_OUT($err);

my @nodes = map { VoxfraTest->new } 0 .. 2;
my @daemons = map { $nats->daemon(db => $nodes[$_]->db, node => "node-$_") } 0 .. 2;
my $ep = $nats->cli_json('endpoint', 'create', '--org', 'acme', '--client', 'dental', '--provider', 'custom',
                         '--rate-limit', 1000000);
my $path = $ep->{path};
for my $i (0 .. 2) {
    ok(VoxfraFleet::wait_until(20, sub { $nodes[$i]->post($path, '{}')->{status} == 400 }), "node $i serves the endpoint")
        or diag $daemons[$i]->log;
}

# Records of a node: record id => record, from `calls export`.
my $records = sub {
    my ($node) = @_;
    my ($c, $o, $e) = $node->cli('calls', 'export', '--format', 'jsonl');
    die "calls export: $e" if $c;
    return [map { $read->decode($_) } grep { /\S/ } split /\n/, $o];
};
# call id => number of records holding it, for call ids with $prefix.
my $per_key = sub {
    my ($node, $prefix) = @_;
    my %n;
    $n{ $_->{callId} }++ for grep { ($_->{callId} // '') =~ /^\Q$prefix\E-/ } @{ $records->($node) };
    return \%n;
};
# Waits until the node's store holds $want records in all (`store info`,
# cheap), then counts the $prefix calls.
my $wait_records = sub {
    my ($node, $prefix, $want, $seconds, $total) = @_;
    VoxfraFleet::wait_until($seconds, sub { ($node->cli_json('store', 'info')->{calls} // 0) >= $total });
    return scalar keys %{ $per_key->($node, $prefix) };
};
my $once_each = sub {
    my ($name, $prefix, $want, $total) = @_;
    for my $i (0 .. 2) {
        $wait_records->($nodes[$i], $prefix, $want, 30, $total);
        my $n = $per_key->($nodes[$i], $prefix);
        is(scalar keys %$n, $want, "$name: node $i holds $want $prefix calls");
        my @twice = grep { $n->{$_} != 1 } sort keys %$n;
        ok(!@twice, "$name: node $i holds each key once") or diag "twice: @twice[0 .. ($#twice < 5 ? $#twice : 5)]";
    }
};

# 1. 1,000 calls on node A, then the same on B and C.
my $on_first = VoxfraFleet::finish_posting(VoxfraFleet::start_posting($nodes[0], $path, 'first', 1, 1000));
is($on_first->{accepted}, 1000, 'node A accepts 1000 calls');
for my $i (1 .. 2) {
    is($wait_records->($nodes[$i], 'first', 1000, 30, 1000), 1000, "node $i holds A's 1000 calls");
}
my @retried = map { VoxfraFleet::start_posting($nodes[$_], $path, 'first', 1, 1000) } 1 .. 2;
for my $i (1 .. 2) {
    my $r = VoxfraFleet::finish_posting($retried[$i - 1]);
    is($r->{duplicate}, 1000, "node $i answers duplicate for each of them");
    my @other_id = grep { $r->{answers}{$_}[1] ne $on_first->{answers}{$_}[1] } keys %{ $on_first->{answers} };
    ok(!@other_id, "node $i answers with A's record ids") or diag "@other_id[0 .. 4]";
}
$once_each->('posted to A, then B and C', 'first', 1000, 1000);
my $content = sub {
    my ($node) = @_;
    my @r = sort { $a->{callId} cmp $b->{callId} } grep { ($_->{callId} // '') =~ /^first-/ } @{ $records->($node) };
    delete $_->{id} for @r;
    return $json->encode(\@r);
};
my $on_a = $content->($nodes[0]);
is($content->($nodes[$_]), $on_a, "node $_ holds the same records as A (ids aside)") for 1 .. 2;
my @ids = map { $_->{id} } @{ $records->($nodes[1]) };
is_deeply(\@ids, [map { sprintf '%016x', $_ } 1 .. 1000], 'applied records get the node\'s own ids, in order');

my $status = $nodes[1]->cli_json('fleet', 'status');
is($status->{replica}, 'on', 'fleet status: the replica is on');
ok($status->{replicaThrough} >= 1000, "fleet status: the stream cursor ($status->{replicaThrough})");
is($status->{replicaPending}, 0, 'fleet status: nothing pending');
my $m = $nodes[1]->metrics->{samples};
ok($m->{voxfra_fleet_replica_stream_sequence} >= 1000, 'metrics: the replica cursor');
is($m->{voxfra_fleet_replica_pending_messages}, 0, 'metrics: nothing pending');
is($nodes[1]->cli_json('fleet', 'status')->{unshipped}, 0, 'applied records are not shipped again');

# 2. How long a call takes from A's answer to B's store.
my @delays;
for my $k (1 .. 20) {
    my $res = $nodes[0]->post($path, $json->encode({ callId => "delay-$k", startedAt => '2026-11-23T10:00:00Z',
                                                     durationSeconds => 1 }));
    die "delay-$k: $res->{status}" unless $res->{status} == 200;
    my $t0 = time;
    VoxfraFleet::wait_until(10, sub { my ($c) = $nodes[1]->cli('calls', 'show', '--call-id', "delay-$k"); $c == 0 });
    push @delays, time - $t0;
    sleep 0.05 * ($k % 4);
}
@delays = sort { $a <=> $b } @delays;
my ($median, $max) = ($delays[@delays / 2], $delays[-1]);
cmp_ok($median, '<', 1, sprintf('a call reaches another node within 1 s (median %.3f s, max %.3f s, CLI polling included)', $median, $max));

# 3. Node C's store wiped, NGINX and the daemon restarted: it catches up.
$daemons[2]->stop;
$nodes[2]->stop;
remove_tree($nodes[2]->db);
$nodes[2]->start;
my $from = length $daemons[2]->log;
$daemons[2]->start;
ok($daemons[2]->wait_log(qr/replica: caught up/, 30, $from), 'the wiped node catches up') or diag $daemons[2]->log;
$once_each->('after a wipe', 'first', 1000, 1020);
is($content->($nodes[2]), $on_a, 'the wiped node holds the same records again');

# 4. The same 500 calls on A and B at once: one record per key everywhere.
my @racing = map { VoxfraFleet::start_posting($nodes[$_], $path, 'race', 1, 500) } 0 .. 1;
my @answers = map { VoxfraFleet::finish_posting($_) } @racing;
for my $i (0 .. 1) {
    is($answers[$i]{accepted} + $answers[$i]{duplicate}, 500, "node $i answered every racing call stored");
}
diag "racing: A accepted $answers[0]{accepted}, B accepted $answers[1]{accepted}";
$once_each->('the same calls on two nodes at once', 'race', 500, 1520);
my $in_stream = $nats->stream_call_counts;
ok(!grep({ /^race-/ && $in_stream->{$_} != 1 } keys %$in_stream), 'the stream holds each racing key once');

# 5. --no-replica: the node keeps its own calls only.
$daemons[2]->stop;
$daemons[2]{args} = ['--no-replica'];
$from = length $daemons[2]->log;
$daemons[2]->start;
ok($daemons[2]->wait_log(qr/ info: caught up/, 20, $from), 'a daemon with --no-replica starts');
is($nodes[2]->cli_json('fleet', 'status')->{replica}, 'off', 'fleet status: the replica is off');
VoxfraFleet::finish_posting(VoxfraFleet::start_posting($nodes[0], $path, 'solo', 1, 50));
is($wait_records->($nodes[1], 'solo', 50, 30, 1570), 50, 'a node with the replica gets new calls');
sleep 0.5;
is(scalar keys %{ $per_key->($nodes[2], 'solo') }, 0, 'the node without it does not');
my $r = VoxfraFleet::finish_posting(VoxfraFleet::start_posting($nodes[2], $path, 'solo', 1, 50));
is($r->{accepted}, 50, 'and stores a retried call as its own');
is($nats->stream_call_counts->{'solo-1'}, 1, 'which the stream still holds once');

$_->check_error_log for @nodes;
done_testing;
