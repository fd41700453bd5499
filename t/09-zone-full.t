#!/usr/bin/env perl
# A voxfra_zone too small for the traffic: the oldest idempotency keys are
# forgotten with one warning in the error log, no request fails for it, and
# LMDB still recognizes every duplicate.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;

my $json = VoxfraTest->json;
my $t = VoxfraTest->new(edit => sub { my $c = shift; $c =~ s/voxfra_zone voxfra:10m;/voxfra_zone voxfra:32k;/ or die; $c });
my $ep = $t->create_endpoint(provider => 'custom', args => ['--rate-limit', '100000']);
sub body { $json->encode({ callId => "zone-$_[0]", startedAt => '2026-11-23T10:00:00Z', durationSeconds => 1 }) }

my %status;
$status{ $t->post($ep->{path}, body($_))->{json}{status} // 'none' }++ for 1 .. 700;
is_deeply(\%status, { accepted => 700 }, '700 distinct calls all accepted through a full zone');
my @warnings = $t->error_log =~ /(voxfra_zone "voxfra" is full[^\n]*)/g;
is(scalar @warnings, 1, 'the zone says it is full, once') or diag explain \@warnings;
like($warnings[0] // '', qr/idempotency keys/, 'naming what it forgets');
is($t->post($ep->{path}, body(1))->{json}{status}, 'duplicate', 'an evicted key is still a duplicate (LMDB knows)');
is($t->post($ep->{path}, body(700))->{json}{status}, 'duplicate', 'a recent key is a duplicate');
$t->check_error_log;
done_testing;
