#!/usr/bin/env perl
# Storage failure: a map too small for the next batch gives 500 with a
# requestId and a log line, never a crash, and nothing half-written; with a
# larger map the same call is then accepted.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;

my $json = VoxfraTest->json;
my $t = VoxfraTest->new(edit => sub { my $c = shift; $c =~ s/size=1g/size=1m/ or die; $c });
my $ep = $t->create_endpoint(provider => 'custom');

sub call_body {
    my ($id) = @_;
    return $json->encode({ callId => $id, startedAt => '2026-11-23T10:00:00Z', durationSeconds => 60,
                           transcript => ('x' x 60000) });
}

my (@accepted, $failed);
for my $i (1 .. 40) {
    my $res = $t->post($ep->{path}, call_body("big-$i"));
    if ($res->{status} == 200) { push @accepted, "big-$i"; next }
    $failed = { res => $res, id => "big-$i" };
    last;
}
ok(@accepted >= 3, scalar(@accepted) . ' calls stored before the map filled');
ok($failed, 'the map filled up') or BAIL_OUT('no storage failure');
my $res = $failed->{res};
is($res->{status}, 500, '500 when storage fails');
is($res->{json}{reason}, 'storage_failed', 'reason storage_failed');
like($res->{json}{requestId}, qr/^[0-9a-f]{32}$/, 'requestId');
is($res->{headers}{'x-request-id'}, $res->{json}{requestId}, 'X-Request-Id');
like($t->error_log, qr/storing call "\Q$failed->{id}\E" failed: MDB_MAP_FULL/, 'a clear log line');

my $calls = $t->cli_json('calls', 'list', '--limit', '1000');
is_deeply([sort map { $_->{callId} } @$calls], [sort @accepted], 'exactly the accepted calls are stored');
ok(!(grep { length($_->{transcript} // '') != 60000 } @$calls), 'no record is half-written');
ok(!(grep { $_->{callId} eq $failed->{id} } @$calls), 'the failed call is not stored');

# Grow the map and retry the failed call: it is stored, not a duplicate.
$t->stop;
$t->write_conf(sub { my $c = shift; $c =~ s/size=1g/size=64m/ or die; $c });
$t->start;
my $retry = $t->post($ep->{path}, call_body($failed->{id}));
is($retry->{json}{status}, 'accepted', 'the retried call is accepted once the map is larger')
    or diag $retry->{body};
$t->check_error_log;
done_testing;
