#!/usr/bin/env perl
# Secrets and slugs: a secret the user supplied is never printed; a LiveKit
# endpoint without its API key and secret is neither created nor served;
# requests that fail the signature do not spend the endpoint's rate, and an
# address that keeps failing is cut off before its bodies are read; a slug is
# masked in every log, wherever it sits in an ingest path and however it is
# encoded.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use Digest::SHA qw(hmac_sha256_hex);
use Time::HiRes qw(sleep);

my $json = VoxfraTest->json;
# A failure budget below the default (10), to see the directive work; a log
# of every variable that could show a slug.
my $t = VoxfraTest->new(edit => sub {
    my $c = shift;
    $c =~ s{voxfra_rate_limit_failures 10 r/m;}{voxfra_rate_limit_failures 6 r/m;} or die;
    $c =~ s{(access_log logs/access.log voxfra;)}{log_format uris 'request="\$request" request_uri="\$request_uri" uri="\$uri" args="\$args" provider="\$voxfra_provider" reason="\$voxfra_reason"';\n    access_log logs/uris.log uris;\n    $1} or die;
    $c;
});

sub custom_body { $json->encode({ callId => $_[0], startedAt => '2026-11-23T10:00:00Z', durationSeconds => 3 }) }
sub sign { my ($secret, $body) = @_; my $ts = time; return "t=$ts,v1=" . hmac_sha256_hex("$ts.$body", $secret) }

subtest 'a secret the user supplied is never printed' => sub {
    my $own = 'whsec_supplied_' . join('', map { sprintf '%02x', int rand 256 } 1 .. 16);
    my $file = $t->write_file('own.secret', "$own\n");
    my $made = $t->create_endpoint(client => 'printed', provider => 'custom', args => ['--hmac']);
    like($made->{secret} // '', qr/^whsec_/, 'create --hmac prints the secret it made');

    my @shown;
    for my $json_flag ([], ['--json']) {
        my $client = 'supplied' . scalar(@$json_flag);
        my ($code, $out, $err) = $t->cli('endpoint', 'create', '--org', 'acme', '--client', $client,
                                         '--provider', 'custom', '--secret-file', $file, @$json_flag);
        is($code, 0, "create --secret-file @$json_flag") or diag $err;
        push @shown, $out;
        my $slug = @$json_flag ? $json->decode($out)->{slug} : ($out =~ /^slug:\s+(\S+)/m)[0];
        unlike($out, qr/^secret:|"secret"/m, "create --secret-file @$json_flag shows no secret");
        ($code, $out, $err) = $t->cli('endpoint', 'rotate-secret', $slug, '--secret-file', $file, '--grace', '1h',
                                      @$json_flag);
        is($code, 0, "rotate-secret --secret-file @$json_flag") or diag $err;
        push @shown, $out;
        if (@$json_flag) {
            my $answer = $json->decode($out);
            ok(!exists $answer->{secret}, 'rotate-secret --json has no "secret" member') or diag $out;
            ok($answer->{hmac}, 'and says the endpoint signs');
        } else {
            unlike($out, qr/^secret:/m, 'rotate-secret has no secret line');
            unlike($out, qr/Keep the secret/, 'nor the keep-it notice');
        }
        my $rotated = $t->cli_json('endpoint', 'rotate-secret', $slug, '--grace', '1h');
        like($rotated->{secret} // '', qr/^whsec_/, 'rotate-secret without a file prints the secret it made');
        isnt($rotated->{secret}, $own, 'a new one');
    }
    is_deeply([grep { index($_, $own) >= 0 } @shown], [], 'the supplied secret is in no output, text or --json');
};

# The LiveKit room_finished fixture, signed or not.
my $room = VoxfraTest::fixture(undef, 'tests/fixtures/livekit/room_finished.json');
my @webhook_json = ('Content-Type' => 'application/webhook+json');

subtest 'a LiveKit endpoint is created only with its API key and secret' => sub {
    my $secret = $t->write_file('lk.secret', "lk_secret_0123456789abcdef0123456789\n");
    my @cases = ([[], 'neither'], [['--api-key', 'APIonly'], 'an API key, no secret'],
                 [['--secret-file', $secret], 'a secret, no API key'],
                 [['--api-key', 'APIonly', '--hmac'], 'an API key and a secret voxfra makes up']);
    for my $case (@cases[0 .. 2]) {
        my ($args, $what) = @$case;
        my ($code, $out, $err) = $t->cli('endpoint', 'create', '--org', 'acme', '--client', 'lk', '--provider', 'livekit',
                                         @$args);
        is($code, 2, "$what: refused (exit 2)");
        like($err, qr/livekit endpoint needs .*no delivery could be verified/, "$what: says why") or diag $err;
    }
    is(scalar(grep { $_->{provider} eq 'livekit' } @{ $t->cli_json('endpoint', 'list') }), 0, 'none was stored');
    my $ep = $t->create_endpoint(client => 'lk', provider => 'livekit',
                                 args => ['--api-key', 'APIgood', '--secret-file', $secret]);
    my $signed = VoxfraTest::livekit_authorization('lk_secret_0123456789abcdef0123456789', 'APIgood', $room);
    is($t->post($ep->{path}, $room, @webhook_json, 'Authorization' => $signed)->{json}{status}, 'accepted',
       'with both it is created and takes a signed delivery');
    is($t->post($ep->{path}, $room, @webhook_json)->{status}, 401, 'and refuses an unsigned one');
};

# An endpoint as an older voxfra stored it: written with LMDB's own tools,
# from a custom endpoint whose provider byte (tag 4, length 1) becomes
# livekit's, with an API key (tag 9) or without.
sub legacy_livekit {
    my ($client, $api_key) = @_;
    my $ep = $t->create_endpoint(client => $client, provider => 'custom');
    my $dump = `mdb_dump -s endpoints '@{[$t->db]}'`;
    die "mdb_dump failed" if $?;
    $dump =~ s/^db_pagesize=.*\n//m;  # mdb_load does not read it back
    my $key = unpack 'H*', $ep->{slug};
    $dump =~ s{^ \Q$key\E\n \K([0-9a-f]+)}{
        my $v = $1;
        $v =~ s/^((?:..)*?)040100000008/${1}040100000004/ or die 'no provider field';
        $v .= '09' . unpack('H*', pack('V', length $api_key)) . unpack('H*', $api_key) if defined $api_key;
        $v
    }me or die 'slug not in the dump';
    open my $load, '|-', 'mdb_load', '-s', 'endpoints', $t->db or die $!;
    print $load $dump;
    close $load or die "mdb_load failed: $?";
    my $shown = $t->cli_json('endpoint', 'show', $ep->{slug});
    is("$shown->{provider} $shown->{hmac}", 'livekit 0', "the store holds a livekit endpoint without a secret ($client)");
    return "/webhooks/livekit/$ep->{slug}";
}

subtest 'a LiveKit endpoint stored without a secret refuses every delivery' => sub {
    for my $api_key (undef, 'APIlegacy') {
        my $path = legacy_livekit('legacy' . (defined $api_key ? '-key' : ''), $api_key);
        my $unsigned = $t->post($path, $room, @webhook_json);
        is($unsigned->{status}, 401, 'an unsigned delivery: 401') or diag $unsigned->{body};
        is($unsigned->{json}{reason}, 'bad_signature', 'bad_signature');
        like($unsigned->{json}{details}[0]{problem} // '', qr/^cannot be verified: the endpoint needs the LiveKit API/,
             'the details say it cannot be verified and what the endpoint lacks') or diag $unsigned->{body};
        is($unsigned->{json}{details}[0]{field}, 'Authorization', 'naming the header LiveKit signs in');
        # A token signed with an empty secret verifies nothing either.
        my $forged = VoxfraTest::livekit_authorization('', $api_key // 'APIanything', $room);
        is($t->post($path, $room, @webhook_json, 'Authorization' => $forged)->{status}, 401, 'a token with no secret: 401');
    }
    is(scalar(grep { $_->{provider} eq 'livekit' } @{ $t->cli_json('calls', 'list', '--limit', '100') }), 1,
       'nothing was stored but the signed delivery');
};

subtest 'signature failures do not spend the endpoint\'s rate' => sub {
    my $ep = $t->create_endpoint(client => 'lockout', provider => 'custom', args => ['--hmac', '--rate-limit', '5']);
    for my $i (1 .. 5) {
        my $body = custom_body("garbage-$i");
        is($t->post($ep->{path}, $body, 'X-Voxfra-Signature' => sign('not-the-secret', $body))->{status}, 401,
           "garbage post $i: 401");
    }
    my @statuses = map {
        my $body = custom_body("genuine-$_");
        $t->post($ep->{path}, $body, 'X-Voxfra-Signature' => sign($ep->{secret}, $body))->{status}
    } 1 .. 6;
    is_deeply(\@statuses, [200, 200, 200, 200, 200, 429],
              'then the genuine signed deliveries pass, up to the endpoint\'s 5 a minute');
};

subtest 'an address that keeps failing is cut off before its bodies are read' => sub {
    my $ep = $t->create_endpoint(client => 'flood', provider => 'custom', args => ['--hmac']);
    my $before = $t->metrics->{samples}{'voxfra_rejections_total{reason="rate_limited"}'} // 0;
    my @statuses = map {
        my $body = custom_body("flood-$_");
        $t->post($ep->{path}, $body, 'X-Voxfra-Signature' => sign('not-the-secret', $body))->{status}
    } 1 .. 6;
    is_deeply(\@statuses, [(401) x 6], 'six bad signatures (voxfra_rate_limit_failures 6 r/m): 401 each');
    # Headers that announce a body that never comes: answered at once.
    my $started = time;
    my $cut = $t->request('POST', $ep->{path}, body => custom_body('flood-7'), no_body => 1,
                          headers => ['X-Voxfra-Signature' => 't=1,v1=00']);
    is($cut->{status}, 429, 'the seventh: 429 without its body being read') or diag $cut->{raw};
    ok(time - $started < 5, 'at once, and the connection closed');
    is($cut->{json}{reason}, 'rate_limited', 'reason rate_limited');
    like($cut->{headers}{'retry-after'} // '', qr/^\d+$/, 'with Retry-After');
    my $body = custom_body('flood-genuine');
    my @signed = ('X-Voxfra-Signature' => sign($ep->{secret}, $body));
    is($t->request('POST', $ep->{path}, body => $body, headers => \@signed, from => '127.0.0.2')->{status}, 200,
       'the provider at another address is not cut off');
    is($t->post($ep->{path}, $body, @signed)->{status}, 429, 'the flooding address is, for the minute');
    my $after = $t->metrics->{samples}{'voxfra_rejections_total{reason="rate_limited"}'} // 0;
    is($after - $before, 2, 'counted as rate_limited in the metrics');
};

subtest 'a slug is masked in every log, in any position of the path and percent-encoded' => sub {
    my $ep = $t->create_endpoint(client => 'masked', provider => 'custom');
    my $slug = $ep->{slug};
    my $m = VoxfraTest::masked_slug($slug);
    my $encoded = sprintf('%%%02X', ord $slug) . substr($slug, 1);
    is($t->post("/webhooks/custom/$slug/events", custom_body('m-1'))->{status}, 404, '/webhooks/custom/SLUG/events: 404');
    is($t->post("/webhooks/$slug/custom", custom_body('m-2'))->{status}, 404, '/webhooks/SLUG/custom: 404');
    is($t->post("/webhooks/custom/$encoded", custom_body('m-3'))->{json}{status}, 'accepted',
       'the slug with its first character percent-encoded is the endpoint\'s');
    is($t->post("/webhooks/custom/x?s=$slug", custom_body('m-4'))->{status}, 404, 'a slug in a query: 404');
    sleep 0.5;  # the access log is written after the answer

    my $error = $t->error_log;
    my $uris = VoxfraTest::slurp($t->dir . '/logs/uris.log');
    my $logs = $error . $t->access_log . $uris;
    my $tail = substr($slug, 4);
    is_deeply([grep { index($logs, $_) >= 0 } $slug, substr($slug, 1), $tail], [],
              'neither the slug, nor its last 31 or 28 characters, is in any log');
    like($uris, qr{request="POST /webhooks/custom/\Q$m\E/events HTTP/1\.1" request_uri="/webhooks/custom/\Q$m\E/events" uri="/webhooks/custom/\Q$m\E/events" args="-" provider="\Q$m\E" reason="not_found"},
         'SLUG/events: $request, $request_uri, $uri and $voxfra_provider masked');
    like($uris, qr{request="POST /webhooks/\Q$m\E/custom HTTP/1\.1" request_uri="/webhooks/\Q$m\E/custom" uri="/webhooks/\Q$m\E/custom" args="-" provider="\Q$m\E" reason="not_found"},
         '/webhooks/SLUG/custom: masked in the position of the provider');
    my $m_encoded = substr($encoded, 0, 6) . '*' x (length($encoded) - 6);
    like($uris, qr{request="POST /webhooks/custom/\Q$m_encoded\E HTTP/1\.1" request_uri="/webhooks/custom/\Q$m_encoded\E" uri="/webhooks/custom/\Q$m\E" args="-" provider="custom" reason="-"},
         'percent-encoded: masked as sent in $request and $request_uri, decoded in $uri');
    like($uris, qr{request_uri="/webhooks/custom/x\?s=\Q$m\E" uri="/webhooks/custom/x" args="s=\Q$m\E"}, 'in a query: masked');
    like($error, qr{no active endpoint for provider "\Q$m\E"}, 'the [warn] names the provider word masked');
};

$t->check_error_log;
done_testing;
