#!/usr/bin/env perl
# Exactly once: many deliveries of one call racing through 2 workers store
# it once; the rest are answered `duplicate` naming the same record. Also:
# provider= and slug= taken from variables.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use Time::HiRes qw(sleep);
use POSIX ();

my $json = VoxfraTest->json;
my $t = VoxfraTest->new(edit => sub {
    my $c = shift;
    $c =~ s{(location /webhooks/ \{)}{location ~ ^/hooks/([a-z]+)/([A-Za-z0-9_-]+)\$ {\n            voxfra_ingest provider=\$1 slug=\$2;\n        }\n\n        $1} or die;
    $c;
});
is(scalar(my @w = $t->worker_pids), 2, 'two workers');
my $ep = $t->create_endpoint(provider => 'custom');
my $body = $json->encode({ callId => 'race-1', startedAt => '2026-11-23T10:00:00Z',
                           endedAt => '2026-11-23T10:01:00Z', transcript => 'x' x 4000 });

my $n = 24;
pipe(my $rd, my $wr) or die;
my @kids;
for my $i (1 .. $n) {
    my $pid = fork // die;
    if (!$pid) {
        close $rd;
        my $res = $t->post($ep->{path}, $body);
        syswrite $wr, join(' ', $res->{status}, $res->{json}{status} // '-', $res->{json}{recordId} // '-') . "\n";
        POSIX::_exit(0);   # no destructors: the parent owns NGINX
    }
    push @kids, $pid;
}
close $wr;
my @answers = map { [split ' '] } grep { length } split /\n/, do { local $/; <$rd> };
waitpid $_, 0 for @kids;

is(scalar @answers, $n, "$n answers");
is(scalar(grep { $_->[0] == 200 } @answers), $n, 'all 200');
is(scalar(grep { $_->[1] eq 'accepted' } @answers), 1, 'exactly one accepted');
is(scalar(grep { $_->[1] eq 'duplicate' } @answers), $n - 1, 'the others duplicate');
my %ids = map { $_->[2] => 1 } @answers;
is(scalar keys %ids, 1, 'all name the same record');
my $calls = $t->cli_json('calls', 'list', '--limit', '100');
is(scalar(grep { $_->{callId} eq 'race-1' } @$calls), 1, 'one record stored');

# The regex location routes by variables.
my $res = $t->post("/hooks/custom/$ep->{slug}", $json->encode({ callId => 'via-vars',
    startedAt => '2026-11-23T10:00:00Z', durationSeconds => 5 }));
is($res->{json}{status}, 'accepted', 'provider= and slug= from variables') or diag $res->{body};
is($t->post("/hooks/vapi/$ep->{slug}", '{}')->{status}, 404, 'and the provider still has to match');
$t->check_error_log;
done_testing;
