#!/usr/bin/env perl
# One rate limit for the fleet (docs/fleet.md): the daemons share each
# endpoint's count of the last minute over core NATS and each node's check
# adds the others', so that
#  - a flood spread evenly over three nodes is accepted at most 1.2x the
#    endpoint's limit;
#  - with NATS stopped, each node holds to the limit divided by the nodes it
#    last saw (fails safe), logs it once, and says so in a metric;
#  - the same reports carry each endpoint's requests and last use: `endpoint
#    list` and the Management API on every node show the fleet's.
# A node sends what changed since its last report, a whole report now and
# then and when a peer asks: a daemon started again (it holds no report of
# the others) counts the fleet's within seconds, not at the next whole one.
# A report larger than a NATS message goes in parts; the daemons here send
# every endpoint in a part of its own (VOXFRA_TEST_RATE_REPORT_BYTES), so
# that each check above also shows the parts put back together. One node's
# name has a '.', which a subject would otherwise split.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use VoxfraFleet;
use POSIX ();
use Time::HiRes qw(sleep time);

plan skip_all => 'nats-server or build/voxfra-fleet missing' unless VoxfraFleet::available();

my $json = VoxfraTest->json;
my $nats = VoxfraFleet->new(servers => 3);
my ($code, $out, $err) = $nats->init;
is($code, 0, 'fleet init') or BAIL_OUT($err);

my @nodes = map { VoxfraTest->new } 0 .. 2;
$ENV{VOXFRA_TEST_RATE_REPORT_BYTES} = 100;
my @names = ('node-0', 'node.1', 'node-2');
my @daemons = map { $nats->daemon(db => $nodes[$_]->db, node => $names[$_]) } 0 .. 2;
delete $ENV{VOXFRA_TEST_RATE_REPORT_BYTES};
my %limit = (shared => 150, alone => 90);
my %ep = map { $_ => $nats->cli_json('endpoint', 'create', '--org', "rate-$_", '--client', 'c', '--provider', 'custom',
                                     '--rate-limit', $limit{$_}) } keys %limit;
for my $i (0 .. 2) {
    ok($daemons[$i]->wait_log(qr/rate limits: shared by 3 nodes/, 20), "node $i shares rates with 3 nodes")
        or diag $daemons[$i]->log;
    ok(VoxfraFleet::wait_until(20, sub { !grep { $nodes[$i]->post($ep{$_}{path}, '{}')->{status} != 400 } keys %ep }),
       "node $i serves the endpoints");
}

# Posts $n calls to node $i at $per_second; returns the child's pid and the
# file its 200 count goes to.
sub flood {
    my ($i, $path, $n, $per_second) = @_;
    my $file = $nodes[$i]->dir . "/flood-" . int(rand(1e9));
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $ok = 0;
        my $t0 = time;
        for my $k (1 .. $n) {
            my $at = $t0 + ($k - 1) / $per_second;
            sleep($at - time) if $at > time;
            my $body = $json->encode({ callId => "flood-$i-$k-$$", startedAt => '2026-11-23T10:00:00Z', durationSeconds => 1 });
            my $res = eval { $nodes[$i]->post($path, $body) };
            $ok++ if $res && $res->{status} == 200;
        }
        open my $fh, '>', $file or POSIX::_exit(1);
        print $fh "$ok\n";
        close $fh;
        POSIX::_exit(0);
    }
    return [$pid, $file];
}
sub accepted {
    my ($h) = @_;
    waitpid($h->[0], 0);
    return 0 + (VoxfraTest::slurp($h->[1]) =~ /(\d+)/)[0];
}

# 1. An even flood: 3 x 7 calls a second for 15 s, 315 offered against 150 a minute.
my @f = map { flood($_, $ep{shared}{path}, 105, 7) } 0 .. 2;
my @got = map { accepted($_) } @f;
my $total = 0;
$total += $_ for @got;
cmp_ok($total, '<=', 1.2 * $limit{shared}, "the fleet accepts at most 1.2x the limit ($total of $limit{shared}: @got)");
cmp_ok($total, '>=', 0.8 * $limit{shared}, 'and close to it');

# 2. The fleet's counters on every node: 2 + 3 + 4 calls to the three nodes.
my $counted = $nats->cli_json('endpoint', 'create', '--org', 'counted', '--client', 'c', '--provider', 'custom');
ok(VoxfraFleet::wait_until(20, sub { !grep { ($_->cli('endpoint', 'show', $counted->{slug}))[0] } @nodes }),
   'every node holds the counted endpoint');
my %posts = (0 => 2, 1 => 3, 2 => 4);
my $n = 0;
for my $i (sort keys %posts) {
    for my $k (1 .. $posts{$i}) {
        my $body = $json->encode({ callId => "counted-$i-$k", startedAt => '2026-11-23T10:00:00Z', durationSeconds => 1 });
        $n++ if $nodes[$i]->post($counted->{path}, $body)->{status} == 200;
    }
}
is($n, 9, '9 calls stored over three nodes');
my $t0 = time;
my @tokens = map { $_->create_token(all => 1)->{token} } @nodes;
# Each node's (requests, lastUsedAt) from `endpoint list --json` and from the API.
sub shown {
    my ($i) = @_;
    my ($listed) = grep { $_->{id} eq $counted->{id} } @{ $nodes[$i]->cli_json('endpoint', 'list') };
    my $res = $nodes[$i]->api_get("/v1/endpoints/$counted->{id}", $tokens[$i]);
    my $api = $res->{json}{endpoint} // {};
    return [map { join ' ', map { $_ // '-' } @$_{qw(requests lastUsedAt)} } $listed, $api];
}
my @shown;
VoxfraFleet::wait_until(10, sub {
    @shown = map { shown($_) } 0 .. 2;
    my %seen = map { $_ => 1 } map { @$_ } @shown;
    keys %seen == 1 && $shown[0][0] =~ /^$n /;
});
my $expect = $shown[0][0];
like($expect, qr/^$n \S+/, "node 0's endpoint list shows the fleet's $n requests and a last use ($expect)");
is_deeply([map { @$_ } @shown], [($expect) x 6], 'every node shows the same in endpoint list and the API')
    or diag explain \@shown;
note sprintf 'the fleet counters were on every node %.1f s after the last call', time - $t0;

# 2b. Node 2's daemon starts again: it holds no report of the others, whose
# changes it cannot take until it asked for a whole report.
$daemons[2]->stop;
$ENV{VOXFRA_TEST_RATE_REPORT_BYTES} = 100;
$daemons[2]->start;
delete $ENV{VOXFRA_TEST_RATE_REPORT_BYTES};
ok($daemons[2]->wait_log(qr/rate limits: shared by 3 nodes/, 20), 'node 2\'s daemon, started again, hears the others')
    or diag $daemons[2]->log;
my $late = $json->encode({ callId => 'counted-late', startedAt => '2026-11-23T10:00:00Z', durationSeconds => 1 });
is($nodes[0]->post($counted->{path}, $late)->{status}, 200, 'one more call to node 0');
$t0 = time;
my $seen = VoxfraFleet::wait_until(6, sub { shown(2)->[0] =~ /^10 / });
ok($seen, "node 2 counts it (10 requests) within 6 s, before the next whole report (30 s): " . shown(2)->[0]);
note sprintf 'node 2 counted the late call %.1f s after it', time - $t0;

# 3. NATS lost: each node holds to limit / 3.
my @from = map { length $_->log } @daemons;
$nats->stop_all;
ok(VoxfraFleet::wait_until(10, sub { $nodes[0]->metrics->{samples}{voxfra_fleet_rate_limit_fallback} }),
   'metrics: the rate limit falls back');
ok($nodes[0]->cli_json('fleet', 'status')->{rateLimitFallback}, 'fleet status says so');
@f = map { flood($_, $ep{alone}{path}, 45, 30) } 0 .. 2;
@got = map { accepted($_) } @f;
my $share = int($limit{alone} / 3);
ok(!grep({ $_ > $share } @got), "NATS stopped: each node accepts its share, $share (@got)");
for my $i (0 .. 2) {
    my $log = substr($daemons[$i]->log, $from[$i]);
    my $n = () = $log =~ /rate limits: NATS lost; each node holds to the limit \/ 3/g;
    is($n, 1, "node $i logged the fallback once");
}
$nats->start_all;
ok(VoxfraFleet::wait_until(30, sub { !$nodes[0]->metrics->{samples}{voxfra_fleet_rate_limit_fallback} }),
   'shared again once NATS is back');

$_->check_error_log for @nodes;
done_testing;
