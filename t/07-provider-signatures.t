#!/usr/bin/env perl
# Every provider's signature through a real NGINX, checked against the
# provider's own code where the provider publishes it:
#   Retell      retell-sdk `Retell.sign` signs, `Retell.verify` cross-checks
#   LiveKit     livekit-server-sdk `AccessToken` (sha256 claim) signs,
#               `WebhookReceiver.receive` cross-checks
#   ElevenLabs  signed here like a sender (Digest::SHA), confirmed by
#               @elevenlabs/elevenlabs-js `webhooks.constructEvent` on the same bytes
# The packages are installed by this test into t/sdk/node_modules (never
# globally, never committed). When npm cannot install them those checks are
# skipped, and say so: "skipped: npm registry unreachable".
# Bland, VoiceInfra, VoxPria and Vapi publish no verifying code: their
# signatures are made here with Perl's Digest::SHA, not with Voxfra's code.
#
# Each provider: an endpoint made with `voxfra endpoint create --provider P
# --secret-file F` (LiveKit also `--api-key`), a delivery of the provider's
# fixture signed as the provider signs it (200 accepted), and a wrong and a
# stale signature (401 bad_signature, details naming the provider's header).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use Digest::SHA qw(hmac_sha256_hex sha256);
use MIME::Base64 qw(encode_base64);
use Time::HiRes ();

my $json = VoxfraTest->json;
my $root = VoxfraTest->root;
my $sdk = "$root/t/sdk";

# ---------------------------------------------------------------------------
# The providers' packages

my ($sdk_ok, $sdk_why) = install_sdks();
diag $sdk_ok ? "provider SDKs: $sdk_ok" : $sdk_why;
# At the top level too, so that a summary shows the SDK checks as skipped.
SKIP: {
    skip $sdk_why, 1 unless $sdk_ok;
    pass("provider SDKs installed: $sdk_ok");
}

sub install_sdks {
    my ($installed, $why) = VoxfraTest::npm_install($sdk);
    return (0, $why) unless $installed;
    my ($code, $out, $err) = VoxfraTest::run_cmd('node', "$sdk/versions.js");
    return (0, "skipped: the installed SDKs do not load: $err") if $code;
    chomp $out;
    return ($out, '');
}

# Runs one of t/sdk's scripts with `env` (secrets go in the environment, not argv).
sub node {
    my ($env, @args) = @_;
    local @ENV{ keys %$env } = values %$env;
    my ($code, $out, $err) = VoxfraTest::run_cmd('node', @args);
    die "node @args[0,1] failed ($code): $err" if $code;
    chomp $out;
    return $out;
}

# ---------------------------------------------------------------------------
# NGINX, endpoints, fixtures

my $t = VoxfraTest->new;

my %minimal = (
    voiceinfra => '{"call_id":"sig-voiceinfra-1","event":"call.completed","start_time":"2026-11-23T10:00:00Z","end_time":"2026-11-23T10:00:42Z","duration_seconds":42}',
);

# A provider's fixture file, as its provider sends it.
sub fixture_body { VoxfraTest::slurp("$root/tests/fixtures/$_[0]/$_[1]") }

my $n = 0;
# endpoint_for($provider, $secret, [{ client => ... },] @more CLI arguments)
sub endpoint_for {
    my ($provider, $secret, @more) = @_;
    my $o = ref $more[0] eq 'HASH' ? shift @more : {};
    my $file = $t->dir . "/secret-" . ++$n;
    open my $fh, '>', $file or die $!;
    print $fh "$secret\n";
    close $fh;
    chmod 0600, $file;
    my $ep = $t->create_endpoint(provider => $provider, org => 'sigs', client => $o->{client} // "c-$provider",
                                 args => ['--secret-file', $file, @more]);
    unlink $file;
    return $ep;
}

sub body_file {
    my ($body) = @_;
    my $file = $t->dir . "/body-" . ++$n . ".json";
    open my $fh, '>:raw', $file or die $!;
    print $fh $body;
    close $fh;
    return $file;
}

my @secrets;  # every secret used, to check that none reaches a log
sub random_secret { my $s = $_[0] . join('', map { sprintf '%02x', int rand 256 } 1 .. 20); push @secrets, $s; $s }

# A correctly signed delivery of a fixture: stored.
sub passes {
    my ($provider, $res, $name, %o) = @_;
    my $want = $o{status} // 'accepted';
    is($res->{status}, 200, "$name: 200") or diag $res->{body};
    is($res->{json}{status}, $want, "$name: $want");
}

# Refused with 401, the details naming the header and the verdict: a stale
# case must be refused for its timestamp (a genuine signature), not as a
# mismatch, and a wrong one as a mismatch.
my %problem = (missing => qr/is missing/, mismatch => qr/does not match/, stale => qr/timestamp outside/,
               malformed => qr/is malformed/);
sub refused {
    my ($res, $header, $name, $verdict) = @_;
    $verdict //= $name =~ /^stale/ ? 'stale' : $name =~ /^un(signed|authenticated)/ ? 'missing' : 'mismatch';
    is($res->{status}, 401, "$name: 401") or diag $res->{body};
    is($res->{json}{reason}, 'bad_signature', "$name: reason bad_signature");
    is($res->{json}{details}[0]{field}, $header, "$name: details name $header");
    like($res->{json}{details}[0]{problem} // '', $problem{$verdict}, "$name: $verdict");
}

# ---------------------------------------------------------------------------

subtest 'retell: Retell.sign from retell-sdk' => sub {
    my $key = random_secret('key_');
    my $ep = endpoint_for('retell', $key);
    my $body = fixture_body('retell', 'call_ended.json');
    my $file = body_file($body);
    my $perl_sign = sub {
        my ($k, $ms) = @_;
        return "v=$ms,d=" . hmac_sha256_hex($body . $ms, $k);
    };
    my $now_ms = int(Time::HiRes::time() * 1000);

    SKIP: {
        skip $sdk_why, 5 unless $sdk_ok;
        my $sig = node({ RETELL_API_KEY => $key }, "$sdk/sign-retell.js", 'sign', $file);
        like($sig, qr/^v=\d{13},d=[0-9a-f]{64}$/, "Retell.sign made $sig");
        passes('retell', $t->post($ep->{path}, $body, 'X-Retell-Signature' => $sig), 'signed by Retell.sign');
        # The SDK agrees with how this test signs, and refuses what it refuses.
        is(node({ RETELL_API_KEY => $key }, "$sdk/sign-retell.js", 'verify', $file, $perl_sign->($key, $now_ms)),
           'true', 'Retell.verify takes a Digest::SHA signature');
        is(node({ RETELL_API_KEY => $key }, "$sdk/sign-retell.js", 'verify', $file,
                $perl_sign->($key, $now_ms - 6 * 60 * 1000)), 'false', 'Retell.verify refuses a 6-minute-old one');
    }
    my $analyzed = fixture_body('retell', 'call_analyzed.json');
    my $ms = int(Time::HiRes::time() * 1000);
    passes('retell', $t->post($ep->{path}, $analyzed,
                              'X-Retell-Signature' => "v=$ms,d=" . hmac_sha256_hex($analyzed . $ms, $key)),
           'signed with Digest::SHA');
    refused($t->post($ep->{path}, $body, 'X-Retell-Signature' => $perl_sign->(random_secret('key_'), $ms)),
            'X-Retell-Signature', 'another API key');
    refused($t->post($ep->{path}, $body, 'X-Retell-Signature' => $perl_sign->($key, $ms - 6 * 60 * 1000)),
            'X-Retell-Signature', 'stale (6 minutes old)');
    refused($t->post($ep->{path}, $body, 'X-Retell-Signature' => $perl_sign->($key, $ms + 6 * 60 * 1000)),
            'X-Retell-Signature', 'stale (6 minutes ahead)');
    refused($t->post($ep->{path}, $body), 'X-Retell-Signature', 'unsigned');
};

# An HS256 JWT made here, independently of the SDK and of Voxfra.
sub perl_jwt { VoxfraTest::hs256_jwt(@_) }

subtest 'livekit: AccessToken with the sha256 claim from livekit-server-sdk' => sub {
    my $api_key = 'APIvoxfra' . join('', map { sprintf '%02x', int rand 256 } 1 .. 4);
    my $secret = random_secret('lk_');
    my $ep = endpoint_for('livekit', $secret, '--api-key', $api_key);
    my $body = fixture_body('livekit', 'room_finished.json');
    my $file = body_file($body);
    my @ct = ('Content-Type' => 'application/webhook+json');  # as LiveKit sends it
    my $sha = encode_base64(sha256($body), '');
    my $now = time;
    my %env = (LIVEKIT_API_KEY => $api_key, LIVEKIT_API_SECRET => $secret);
    my $stale = perl_jwt($secret, { iss => $api_key, nbf => $now - 600, exp => $now - 300, sha256 => $sha });

    SKIP: {
        skip $sdk_why, 9 unless $sdk_ok;
        my $jwt = node(\%env, "$sdk/sign-livekit.js", 'sign', $file);
        like($jwt, qr/^[\w-]+\.[\w-]+\.[\w-]+$/, 'AccessToken.toJwt made a JWT');
        passes('livekit', $t->post($ep->{path}, $body, @ct, 'Authorization' => $jwt), 'signed by AccessToken');
        my $perl = perl_jwt($secret, { iss => $api_key, nbf => $now, exp => $now + 300, sha256 => $sha });
        is(node(\%env, "$sdk/sign-livekit.js", 'verify', $file, $perl), 'ok',
           'WebhookReceiver.receive takes a JWT made with Digest::SHA');
        like(node(\%env, "$sdk/sign-livekit.js", 'verify', $file, $stale), qr/^rejected/,
             'WebhookReceiver.receive refuses the expired one');
        # A token from the SDK for another API key and secret.
        my $other = node({ LIVEKIT_API_KEY => 'APIsomeoneelse', LIVEKIT_API_SECRET => random_secret('lk_') },
                         "$sdk/sign-livekit.js", 'sign', $file);
        refused($t->post($ep->{path}, $body, @ct, 'Authorization' => $other), 'Authorization',
                'another key and secret (AccessToken)');
    }
    my $now2 = time;
    my $perl = perl_jwt($secret, { iss => $api_key, nbf => $now2, exp => $now2 + 300, sha256 => $sha });
    passes('livekit', $t->post($ep->{path}, $body, @ct, 'Authorization' => "Bearer $perl"),
           'a Digest::SHA JWT with a Bearer prefix', status => $sdk_ok ? 'duplicate' : 'accepted');
    refused($t->post($ep->{path}, $body, @ct, 'Authorization' =>
                     perl_jwt(random_secret('lk_'), { iss => $api_key, exp => $now2 + 300, sha256 => $sha })),
            'Authorization', 'another secret');
    refused($t->post($ep->{path}, $body, @ct, 'Authorization' =>
                     perl_jwt($secret, { iss => 'APIsomeoneelse', exp => $now2 + 300, sha256 => $sha })),
            'Authorization', 'another issuer');
    refused($t->post($ep->{path}, $body, @ct, 'Authorization' =>
                     perl_jwt($secret, { iss => $api_key, exp => $now2 + 300, sha256 => encode_base64(sha256('{}'), '') })),
            'Authorization', 'sha256 of another body');
    refused($t->post($ep->{path}, $body, @ct, 'Authorization' => $stale), 'Authorization', 'stale (expired 5 minutes ago)');
    my $none = VoxfraTest::b64url('{"alg":"none"}') . '.' . VoxfraTest::b64url($json->encode({ iss => $api_key, exp => $now2 + 300, sha256 => $sha })) . '.';
    refused($t->post($ep->{path}, $body, @ct, 'Authorization' => $none), 'Authorization', 'alg none', 'malformed');
};

subtest 'elevenlabs: our signing checked with webhooks.constructEvent' => sub {
    my $secret = random_secret('wsec_');
    my $ep = endpoint_for('elevenlabs', $secret);
    my $body = fixture_body('elevenlabs', 'post_call_transcription.json');
    my $file = body_file($body);
    my $sign = sub { my ($s, $ts) = @_; "t=$ts,v0=" . hmac_sha256_hex("$ts.$body", $s) };
    my $now = time;
    my %cases = (
        good   => $sign->($secret, $now),
        wrong  => $sign->(random_secret('wsec_'), $now),
        stale  => $sign->($secret, $now - 31 * 60),
        future => $sign->($secret, $now + 10 * 60),
    );

    SKIP: {
        skip $sdk_why, 4 unless $sdk_ok;
        my %env = (ELEVENLABS_WEBHOOK_SECRET => $secret);
        is(node(\%env, "$sdk/check-elevenlabs.js", $file, $cases{good}), 'ok', 'constructEvent takes the signed delivery');
        like(node(\%env, "$sdk/check-elevenlabs.js", $file, $cases{wrong}), qr/^rejected/, 'constructEvent refuses another secret');
        like(node(\%env, "$sdk/check-elevenlabs.js", $file, $cases{stale}), qr/^rejected/, 'constructEvent refuses 31 minutes old');
        is(node(\%env, "$sdk/check-elevenlabs.js", $file, $cases{future}), 'ok', 'constructEvent takes 10 minutes ahead');
    }
    passes('elevenlabs', $t->post($ep->{path}, $body, 'ElevenLabs-Signature' => $cases{good}), 'the same bytes and header');
    passes('elevenlabs', $t->post($ep->{path}, $body, 'ElevenLabs-Signature' => $cases{future}),
           '10 minutes ahead, as the SDK', status => 'duplicate');
    refused($t->post($ep->{path}, $body, 'ElevenLabs-Signature' => $cases{wrong}), 'ElevenLabs-Signature', 'another secret');
    refused($t->post($ep->{path}, $body, 'ElevenLabs-Signature' => $cases{stale}), 'ElevenLabs-Signature', 'stale (31 minutes old)');
};

# The schemes without an SDK: hex HMAC of the body, signed with Digest::SHA.
for my $case (['bland', 'X-Webhook-Signature', 'call-completed.json'],
              ['voiceinfra', 'X-VoiceInfra-Signature', 'call-completed.json']) {
    my ($provider, $header, $fixture_file) = @$case;
    subtest "$provider: $header (Digest::SHA)" => sub {
        my $secret = random_secret("${provider}_");
        my $ep = endpoint_for($provider, $secret);
        my $body = fixture_body($provider, $fixture_file);
        passes($provider, $t->post($ep->{path}, $body, $header => hmac_sha256_hex($body, $secret)), 'signed');
        refused($t->post($ep->{path}, $body, $header => hmac_sha256_hex($body, random_secret('x'))), $header, 'another secret');
        refused($t->post($ep->{path}, $body . ' ', $header => hmac_sha256_hex($body, $secret)), $header, 'another body');
        # No timestamp in this scheme, so nothing is ever stale: a replay is
        # answered as the duplicate it is and stored once.
        passes($provider, $t->post($ep->{path}, $body, $header => hmac_sha256_hex($body, $secret)),
               'replayed: no timestamp to be stale', status => 'duplicate');
    };
}

subtest 'voxpria: X-Voxpria-Signature sha256= and X-Webhook-Signature t=,v1= (Digest::SHA)' => sub {
    my $secret = random_secret('voxpria_');
    my $ep = endpoint_for('voxpria', $secret);
    my $body = fixture_body('voxpria', 'call-completed.json');
    my $dev = fixture_body('voxpria', 'call-completed-developers.json');
    my $timed = sub { my ($s, $b, $ts) = @_; "t=$ts,v1=" . hmac_sha256_hex("$ts.$b", $s) };
    passes('voxpria', $t->post($ep->{path}, $body, 'X-Voxpria-Signature' => 'sha256=' . hmac_sha256_hex($body, $secret)),
           'sha256= over the body');
    passes('voxpria', $t->post($ep->{path}, $dev, 'X-Webhook-Signature' => $timed->($secret, $dev, time)),
           't=,v1= over t.body');
    refused($t->post($ep->{path}, $body, 'X-Voxpria-Signature' => 'sha256=' . hmac_sha256_hex($body, random_secret('x'))),
            'X-Voxpria-Signature', 'another secret');
    refused($t->post($ep->{path}, $dev, 'X-Webhook-Signature' => $timed->($secret, $dev, time - 6 * 60)),
            'X-Voxpria-Signature', 'stale t=,v1= (6 minutes old)');
    refused($t->post($ep->{path}, $body), 'X-Voxpria-Signature', 'unsigned');
};

subtest 'vapi: X-Vapi-Secret, the HMAC credential, Bearer (Digest::SHA)' => sub {
    my $secret = random_secret('vapi_');
    my $ep = endpoint_for('vapi', $secret);
    my $body = fixture_body('vapi', 'end-of-call-report.json');
    my $legacy = fixture_body('vapi', 'outbound-legacy.json');
    passes('vapi', $t->post($ep->{path}, $body, 'X-Vapi-Secret' => $secret), 'X-Vapi-Secret');
    my $ms = int(Time::HiRes::time() * 1000);
    passes('vapi', $t->post($ep->{path}, $legacy, 'x-timestamp' => $ms,
                            'x-signature' => 'sha256=' . hmac_sha256_hex("$ms.$legacy", $secret)),
           'x-signature over {timestamp}.{body}, milliseconds, sha256= prefix');
    my $s = time;
    passes('vapi', $t->post($ep->{path}, $body, 'x-timestamp' => $s, 'x-signature' => hmac_sha256_hex("$s.$body", $secret)),
           'x-signature, seconds', status => 'duplicate');
    passes('vapi', $t->post($ep->{path}, $body, 'Authorization' => "Bearer $secret"), 'Bearer', status => 'duplicate');
    refused($t->post($ep->{path}, $body, 'X-Vapi-Secret' => random_secret('vapi_')), 'X-Vapi-Secret', 'another secret');
    refused($t->post($ep->{path}, $body, 'x-timestamp' => $s, 'x-signature' => hmac_sha256_hex("$s.$body", random_secret('x'))),
            'X-Vapi-Secret', 'x-signature with another secret');
    my $old = $s - 6 * 60;
    refused($t->post($ep->{path}, $body, 'x-timestamp' => $old, 'x-signature' => hmac_sha256_hex("$old.$body", $secret)),
            'X-Vapi-Secret', 'stale x-signature (6 minutes old)');
    refused($t->post($ep->{path}, $body), 'X-Vapi-Secret', 'unauthenticated');
};

# The signature covers the body, not the headers: on a signed endpoint an
# unsigned header must not decide what is stored (VoiceInfra's event).
subtest 'voiceinfra: X-VoiceInfra-Event does not count on a signed endpoint' => sub {
    my $secret = random_secret('voiceinfra_');
    my $ep = endpoint_for('voiceinfra', $secret, { client => 'c-voiceinfra-header' });
    (my $body = $minimal{voiceinfra}) =~ s/"event":"call.completed",//;
    $body =~ s/sig-voiceinfra-1/sig-voiceinfra-header/;
    my $sig = hmac_sha256_hex($body, $secret);
    for my $event ('call.started', 'call.completed') {
        my $res = $t->post($ep->{path}, $body, 'X-VoiceInfra-Signature' => $sig, 'X-VoiceInfra-Event' => $event);
    is($res->{status}, 400, "a signed body without an event, the header $event: 400") or diag $res->{body};
    is($res->{json}{details}[0]{field}, 'event', 'the body needs its event');
    }
    my $full = $body =~ s/^\{/{"event":"call.completed",/r;
    my $res = $t->post($ep->{path}, $full, 'X-VoiceInfra-Signature' => hmac_sha256_hex($full, $secret));
    is($res->{json}{status}, 'accepted', 'the real call.completed that follows is accepted') or diag $res->{body};
    # Without a secret the header still names the event, as VoiceInfra sends it.
    my $open = $t->create_endpoint(provider => 'voiceinfra', org => 'sigs', client => 'c-voiceinfra-open');
    $res = $t->post($open->{path}, $body, 'X-VoiceInfra-Event' => 'call.completed');
    is($res->{json}{status}, 'accepted', 'without a secret, the header names the event') or diag $res->{body};
};

subtest 'no secret in any log; error log clean' => sub {
    my $logs = $t->error_log . $t->access_log;
    my @leaked = grep { index($logs, $_) >= 0 } @secrets;
    ok(!@leaked, 'no secret appears in a log') or diag "leaked: @leaked";
    $t->check_error_log;
};

$t->stop;
done_testing;
