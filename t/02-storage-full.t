#!/usr/bin/env perl
# Storage full: a map too small for the next batch gives 500 storage_failed
# with a requestId, one log line per burst (not one per request), never a
# crash, and nothing half-written. Ingestion then resumes without
# restarting NGINX, once the operator grows the map (`voxfra store resize`)
# or makes room (`voxfra calls prune`); a reload with the smaller size= in
# nginx.conf keeps the larger map.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(strftime);
use Time::HiRes qw(sleep time);
use VoxfraTest;

my $json = VoxfraTest->json;
sub small_map { my $c = shift; $c =~ s/size=1g/size=1m/ or die; $c }

sub call_body {
    my ($id) = @_;
    return $json->encode({ callId => $id, startedAt => '2026-11-23T10:00:00Z', durationSeconds => 60,
                           transcript => ('x' x 60000) });
}

# Posts calls "<prefix>-1", ... until one fails; returns (accepted ids, failed { res, id }).
sub fill {
    my ($t, $ep, $prefix) = @_;
    my @accepted;
    for my $i (1 .. 60) {
        my $res = $t->post($ep->{path}, call_body("$prefix-$i"));
        if ($res->{status} == 200) { push @accepted, "$prefix-$i"; next }
        return (\@accepted, { res => $res, id => "$prefix-$i" });
    }
    return (\@accepted, undef);
}

sub storage_lines { my @l = $_[0]->error_log =~ /^(.*voxfra: storing call .*)$/mg; @l }

# ---------------------------------------------------------------------------
# The map fills up.
my $t = VoxfraTest->new(edit => \&small_map);
my $ep = $t->create_endpoint(provider => 'custom');
my @workers = sort $t->worker_pids;

my ($accepted, $failed) = fill($t, $ep, 'big');
ok(@$accepted >= 3, scalar(@$accepted) . ' calls stored before the map filled');
ok($failed, 'the map filled up') or BAIL_OUT('no storage failure');
my $res = $failed->{res};
is($res->{status}, 500, '500 when storage fails');
is($res->{json}{reason}, 'storage_failed', 'reason storage_failed');
like($res->{json}{requestId}, qr/^[0-9a-f]{32}$/, 'requestId');
is($res->{headers}{'x-request-id'}, $res->{json}{requestId}, 'X-Request-Id');
like($t->error_log, qr/storing call "\Q$failed->{id}\E" failed: MDB_MAP_FULL.*voxfra store resize/,
     'a clear log line that says what to do');

# A burst of failures: every one answered, logged once per worker.
my %burst;
for my $i (1 .. 30) {
    my $r = $t->post($ep->{path}, call_body("burst-$i"));
    $burst{"$r->{status} " . ($r->{json}{reason} // '') . ' ' . (($r->{json}{requestId} // '') =~ /^[0-9a-f]{32}$/ ? 'id' : 'no-id')}++;
}
is_deeply(\%burst, { '500 storage_failed id' => 30 }, '30 more calls: each a 500 storage_failed with a requestId');
my @lines = storage_lines($t);
ok(@lines >= 1 && @lines <= 2, scalar(@lines) . ' storage-failure lines for 31 failures (at most one per worker per 10 s)')
    or diag join "\n", @lines;

my $calls = $t->cli_json('calls', 'list', '--limit', '1000');
is_deeply([sort map { $_->{callId} } @$calls], [sort @$accepted], 'exactly the accepted calls are stored');
ok(!(grep { length($_->{transcript} // '') != 60000 } @$calls), 'no record is half-written');
is_deeply([sort $t->worker_pids], \@workers, 'no worker died');

# ---------------------------------------------------------------------------
# Growing the map while NGINX runs.
my ($code, $out, $err) = $t->cli('store', 'resize', '--size', '32m');
is($code, 0, 'voxfra store resize --size 32m') or diag $err;
like($out, qr/map size 1\.0 MiB -> 32\.0 MiB/, 'resize says what changed');
is($t->cli_json('store', 'info')->{mapSize}, 32 << 20, 'store info shows the new size');
($code, undef, $err) = $t->cli('store', 'resize', '--size', '16m');
is($code, 1, 'the map never shrinks');
like($err, qr/can only grow/, 'and says so');
for my $bad ('0', '12q', '512k', '-1g', '') {
    ($code, undef, $err) = $t->cli('store', 'resize', '--size', $bad);
    is($code, 2, "--size '$bad' is a usage error");
}
like($err, qr/expected a size from 1m/, 'naming what it expects');
my $info = $t->cli_json('store', 'info');
ok($info->{used} > 0 && $info->{used} + $info->{free} == $info->{mapSize} && $info->{fileSize} >= $info->{used},
   "store info: $info->{used} bytes used, $info->{free} free, a $info->{fileSize}-byte file");
is($info->{calls}, scalar(@$accepted), 'store info counts the calls');

my $retry = $t->post($ep->{path}, call_body($failed->{id}));
is($retry->{json}{status}, 'accepted', 'the failed call, retried, is accepted without a restart') or diag $retry->{body};
my %after;
for my $i (1 .. 40) { $after{ $t->post($ep->{path}, call_body("grown-$i"))->{json}{status} // 'none' }++ }
is_deeply(\%after, { accepted => 40 }, 'both workers store in the grown map (2.4 MB more than the old map held)');
like($t->error_log, qr/voxfra: the LMDB map grew from 1048576 to 33554432 bytes/, 'the workers say they took the new size');
is_deeply([sort $t->worker_pids], \@workers, 'the same workers: nothing restarted');

# Counting goes on through a full map and a resize: every request sent so
# far is in the endpoint's counters. (Whether a counter flush itself fails
# depends on which pages are free; a failed one gives its deltas back to the
# next flush, see StatsAccumulatorTest.DeltasGivenBackAreInTheNextTake.)
my $sent = @$accepted + 1 + 30 + 1 + 40;
is($t->endpoint_counted($ep->{slug}, $sent)->{requests}, $sent, "all $sent requests counted, those answered while the map was full too");

# Pruning while NGINX ingests: one call per write transaction, so the
# workers' commits go on between them.
my $cut1 = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(int time));
sleep 1.1;
my $pruner = open(my $prune_out, '-|') // die "fork: $!";
if (!$pruner) {
    my ($c, $o, $e) = $t->cli('calls', 'prune', '--before', $cut1, '--batch', '1', '--json');
    print $c ? "failed: $e" : $o;
    close STDOUT;
    POSIX::_exit(0);  # not exit: the parent's END blocks would stop its NGINX
}
my %during;
for my $i (1 .. 20) { $during{ $t->post($ep->{path}, call_body("during-prune-$i"))->{json}{status} // 'none' }++ }
my $prune_result = do { local $/; <$prune_out> };
close $prune_out;
is_deeply(\%during, { accepted => 20 }, 'calls posted while prune runs are all accepted');
my $concurrent = eval { $json->decode($prune_result) } // {};
ok(($concurrent->{calls} // 0) >= @$accepted && $concurrent->{transactions} >= $concurrent->{calls},
   "prune deleted $concurrent->{calls} calls meanwhile, one a transaction") or diag $prune_result;
is(scalar(grep { /^during-prune/ } map { $_->{callId} } @{ $t->cli_json('calls', 'list', '--limit', '1000') }), 20,
   'the calls stored during the prune are kept');

# A reload with size=1m still in nginx.conf: the new workers open a map as
# large as the data, take the 32m from the environment at their first full
# map, and store.
$t->reload;
for (1 .. 40) { last if join(',', sort $t->worker_pids) ne join(',', @workers); sleep 0.1 }
my %reloaded;
for my $i (1 .. 10) { $reloaded{ $t->post($ep->{path}, call_body("reloaded-$i"))->{json}{status} // 'none' }++ }
is_deeply(\%reloaded, { accepted => 10 }, 'after a reload with the old, smaller size=, calls are still stored');
$t->check_error_log;
$t->stop;

# ---------------------------------------------------------------------------
# Making room: prune the old calls, and the freed pages take new ones.
my $p = VoxfraTest->new(edit => \&small_map);
my $pep = $p->create_endpoint(provider => 'custom');
my @pworkers = sort $p->worker_pids;
my ($old, $full) = fill($p, $pep, 'old');
ok($full && $full->{res}{status} == 500, scalar(@$old) . ' calls filled the map');
my $size_before = -s $p->db . '/data.mdb';
sleep 1.1;
my $cut = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(int time));

my $dry = $p->cli_json('calls', 'prune', '--before', $cut, '--dry-run');
is($dry->{calls}, scalar(@$old), "--dry-run counts the $dry->{calls} calls it would delete");
is(scalar @{ $p->cli_json('calls', 'list', '--limit', '1000') }, scalar(@$old), '--dry-run deletes nothing');

my $pruned = $p->cli_json('calls', 'prune', '--before', $cut, '--batch', '3');
is($pruned->{calls}, scalar(@$old), 'prune deletes every call received before the cut');
is($pruned->{callIndexEntries}, scalar(@$old), 'and their call-index entries');
ok($pruned->{transactions} >= int(@$old / 3), "in bounded transactions ($pruned->{transactions} of at most 3 calls)");
is_deeply($p->cli_json('calls', 'list'), [], 'no call is left');
is($p->cli_json('store', 'info')->{callIndexEntries}, 0, 'the call index is empty');
ok(-s $p->db . '/data.mdb' >= $size_before, 'the file does not shrink (LMDB reuses its pages)');

my %room;
for my $i (1 .. 5) { $room{ $p->post($pep->{path}, call_body("new-$i"))->{json}{status} // 'none' }++ }
is_deeply(\%room, { accepted => 5 }, 'new calls are stored in the freed pages, without a restart');
is_deeply([sort $p->worker_pids], \@pworkers, 'no worker died or restarted');

# Within the idempotency window the zone still remembers a pruned call; the
# call index in LMDB, the truth after a restart, no longer does.
is($p->post($pep->{path}, call_body($old->[0]))->{json}{status}, 'duplicate',
   'within the window, the zone answers a pruned call\'s redelivery as a duplicate');
$p->stop;
$p->start;
is($p->post($pep->{path}, call_body($old->[0]))->{json}{status}, 'accepted',
   'with the zone gone, a pruned call delivered again is stored again (the retention window\'s meaning)');
is($p->post($pep->{path}, call_body('new-1'))->{json}{status}, 'duplicate', 'a call that was kept is still a duplicate');

($code, undef, $err) = $p->cli('calls', 'prune', '--before', '2999-01-01T00:00:00Z');
is($code, 2, 'a cut in the future is refused');
like($err, qr/in the future/, 'and says so');
$p->check_error_log;
done_testing;
