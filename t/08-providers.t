#!/usr/bin/env perl
# Every provider's real end-of-call shapes through NGINX: each fixture of
# tests/fixtures/<provider>/ lands as a record or is ignored, as that
# provider's adapter says; Retell's two final events are one call in the
# listing, merged.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;

my $json = VoxfraTest->json;
my $t = VoxfraTest->new;

# fixture => expected status; everything else under tests/fixtures is a final report.
my %ignored = map { $_ => 1 } qw(
    retell/call_started vapi/status-update bland/call-update livekit/room_started livekit/participant_left
    livekit/egress_ended elevenlabs/post_call_audio voxpria/call-started voxpria/campaign-finished
);
# Content types the providers really send.
my %content_type = (livekit => 'application/webhook+json', elevenlabs => 'application/json; charset=utf-8');

for my $dir (sort glob(VoxfraTest->root . '/tests/fixtures/*')) {
    (my $provider = $dir) =~ s{.*/}{};
    # LiveKit signs every webhook: its endpoint needs the API key and secret.
    my @livekit = $provider eq 'livekit' ? ('APIfixtures', 'lk_fixtures_secret_0123456789abcdef') : ();
    my @keys = @livekit ? ('--api-key', $livekit[0], '--secret-file', $t->write_file('livekit.secret', "$livekit[1]\n")) : ();
    my $ep = $t->create_endpoint(provider => $provider, client => "fixtures-$provider", args => \@keys);
    # In the order a provider sends them: Retell's call_analyzed comes last.
    for my $file (sort { ($a =~ /call_analyzed/) <=> ($b =~ /call_analyzed/) or $a cmp $b } grep { !/\.expected\.json$/ } glob("$dir/*.json")) {
        (my $name = $file) =~ s{.*/fixtures/(.*)\.json$}{$1};
        my $body = VoxfraTest::slurp($file);
        my @signed = @livekit ? ('Authorization' => VoxfraTest::livekit_authorization(@livekit[1, 0], $body)) : ();
        my $res = $t->post($ep->{path}, $body, 'Content-Type' => $content_type{$provider} // 'application/json', @signed);
        my $want = $ignored{$name} ? 'ignored' : 'accepted';
        is($res->{json}{status}, $want, "$name: $want") or diag $res->{body};
        next unless $want eq 'accepted';
        my $rec = $t->cli_json('calls', 'show', $res->{json}{recordId});
        is($rec->{provider}, $provider, "$name: provider");
        ok(length($rec->{callId} // ''), "$name: callId");
        for my $field (grep { defined $rec->{$_} } qw(receivedAt startedAt endedAt)) {
            like($rec->{$field}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "$name: $field in RFC 3339 UTC");
        }
    }
}

# Retell reports one call twice: call_ended, then call_analyzed.
my $retell = $t->cli_json('calls', 'list', '--provider', 'retell', '--limit', '100');
my ($call) = grep { $_->{callId} eq 'Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6' } @$retell;
ok($call, 'the Retell call is listed') or diag explain $retell;
is(scalar(grep { $_->{callId} eq 'Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6' } @$retell), 1, 'once');
is(scalar @{ $call->{revisions} // [] }, 2, 'with both events as revisions');
is($call->{event}, 'call_analyzed', 'the later event on top');
ok($call->{summary}, 'the summary from call_analyzed');
ok($call->{transcript}, 'the transcript');
ok(abs(($call->{cost} // 0) - 0.70) < 1e-9, 'cost converted from cents') or diag $call->{cost};

my $again = $t->post("/webhooks/retell/" . (grep { $_->{provider} eq 'retell' } @{ $t->cli_json('endpoint', 'list') })[0]{slug},
                     VoxfraTest::slurp(VoxfraTest->root . '/tests/fixtures/retell/call_analyzed.json'));
is($again->{json}{status}, 'duplicate', 'each event is deduplicated on its own');
$t->check_error_log;
done_testing;
