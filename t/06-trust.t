#!/usr/bin/env perl
# Trust and traffic control through a real NGINX: signatures (Voxfra's own
# scheme, verified against Perl's Digest::SHA, not our own code), secret
# rotation with a grace period, IP allowlists after realip (v4 and v6),
# per-endpoint rate limits that survive a reload, duplicates recognized after
# a restart and across `endpoint replace`.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use Digest::SHA qw(hmac_sha256_hex);
use Time::HiRes qw(sleep);

my $json = VoxfraTest->json;
my $t = VoxfraTest->new(edit => sub {
    my $c = shift;
    # Behind a load balancer: the client address comes from X-Forwarded-For.
    $c =~ s{(location /webhooks/ \{)}{set_real_ip_from 127.0.0.1;\n        real_ip_header X-Forwarded-For;\n\n        $1} or die;
    $c =~ s{(location /webhooks/ \{)}{location /limited/ {\n            voxfra_rate_limit 3 r/m;\n            voxfra_ingest;\n        }\n\n        $1} or die;
    $c;
});

my $n = 0;
sub call_body {
    my ($id) = @_;
    return $json->encode({ callId => $id // "trust-$$-" . ++$n, startedAt => '2026-11-23T10:00:00Z',
                           durationSeconds => 42, transcript => "Agent: h\x{e9}llo" });
}
sub sign {
    my ($secret, $body, $t) = @_;
    $t //= time;
    return "t=$t,v1=" . hmac_sha256_hex("$t.$body", $secret);
}
sub stored { scalar grep { $_->{callId} eq $_[0] } @{ $t->cli_json('calls', 'list', '--limit', '1000') } }

subtest 'signatures: signed, unsigned, wrong, stale' => sub {
    my $ep = $t->create_endpoint(provider => 'custom', client => 'signed', args => ['--hmac']);
    my $secret = $ep->{secret};
    my $path = $ep->{path};

    my $body = call_body('signed-1');
    my $res = $t->post($path, $body, 'X-Voxfra-Signature' => sign($secret, $body));
    is($res->{json}{status}, 'accepted', 'a correctly signed call is accepted') or diag $res->{body};

    my %bad = (
        'unsigned'      => [],
        'wrong secret'  => ['X-Voxfra-Signature' => sign('whsec_not_the_secret_at_all_000000', $body)],
        'stale'         => ['X-Voxfra-Signature' => sign($secret, $body, time - 600)],
        'future'        => ['X-Voxfra-Signature' => sign($secret, $body, time + 600)],
        'malformed'     => ['X-Voxfra-Signature' => 'v1=abc'],
        'other body'    => ['X-Voxfra-Signature' => sign($secret, call_body('signed-1x'))],
    );
    for my $name (sort keys %bad) {
        my $b = call_body("bad-$name");
        my $r = $t->post($path, $b, @{ $bad{$name} });
        is($r->{status}, 401, "$name: 401");
        is($r->{json}{reason}, 'bad_signature', "$name: reason");
        is($r->{json}{details}[0]{field}, 'X-Voxfra-Signature', "$name: details name the header");
        is(stored("bad-$name"), 0, "$name: nothing stored");
    }
    my $several = call_body('signed-several');
    my $ts = time;
    my $hdr = "t=$ts,v1=" . ('0' x 64) . ",v1=" . hmac_sha256_hex("$ts.$several", $secret);
    is($t->post($path, $several, 'X-Voxfra-Signature' => $hdr)->{json}{status}, 'accepted', 'any of several v1 may match');

    unlike($t->error_log . $t->access_log, qr/\Q$secret\E/, 'the secret appears in no log');
};

subtest 'rotate-secret with a grace period' => sub {
    my $ep = $t->create_endpoint(provider => 'custom', client => 'rotating', args => ['--hmac']);
    my $old = $ep->{secret};
    my $rot = $t->cli_json('endpoint', 'rotate-secret', $ep->{slug}, '--grace', '8s');
    my $new = $rot->{secret};
    like($new // '', qr/^whsec_/, 'rotate-secret prints the new secret');
    isnt($new, $old, 'a new one');
    my ($code, $shown) = $t->cli('endpoint', 'show', $ep->{slug});
    unlike($shown, qr/\Q$new\E|\Q$old\E/, 'show prints neither secret');

    my $b1 = call_body();
    is($t->post($ep->{path}, $b1, 'X-Voxfra-Signature' => sign($old, $b1))->{json}{status}, 'accepted',
       'the old secret still works during the grace period');
    my $b2 = call_body();
    is($t->post($ep->{path}, $b2, 'X-Voxfra-Signature' => sign($new, $b2))->{json}{status}, 'accepted',
       'the new secret works');
    sleep 8.5;   # past the grace period
    my $b3 = call_body();
    is($t->post($ep->{path}, $b3, 'X-Voxfra-Signature' => sign($old, $b3))->{status}, 401,
       'the old secret is refused once the grace period is over');
    my $b4 = call_body();
    is($t->post($ep->{path}, $b4, 'X-Voxfra-Signature' => sign($new, $b4))->{json}{status}, 'accepted',
       'the new secret still works');
};

subtest 'allowlist: IPv4 and IPv6, after realip' => sub {
    my $ep = $t->create_endpoint(provider => 'custom', client => 'allow',
                                 args => ['--allow', '10.0.0.0/8', '--allow', '2001:db8::/32']);
    my @cases = (['10.1.2.3', 200], ['2001:db8::5', 200], ['192.168.1.1', 403], ['2001:db9::1', 403],
                 ['::ffff:10.9.9.9', 200]);
    for my $case (@cases) {
        my ($ip, $want) = @$case;
        my $r = $t->post($ep->{path}, call_body(), 'X-Forwarded-For' => $ip);
        is($r->{status}, $want, "client $ip: $want");
        is($r->{json}{reason}, 'forbidden', "client $ip: reason forbidden") if $want == 403;
    }
    is(($t->cli('endpoint', 'set', $ep->{slug}, '--allow', '192.168.0.0/16'))[0], 0, 'endpoint set --allow');
    is($t->post($ep->{path}, call_body(), 'X-Forwarded-For' => '192.168.1.1')->{status}, 200,
       'the new allowlist applies at once');
    is($t->post($ep->{path}, call_body(), 'X-Forwarded-For' => '10.1.2.3')->{status}, 403,
       'and replaces the old one');
};

subtest 'rate limit: N+3 requests give N 200s and 3 honest 429s; the state survives a reload' => sub {
    my $ep = $t->create_endpoint(provider => 'custom', client => 'rate', args => ['--rate-limit', '5']);
    my @status;
    for (1 .. 8) {
        my $r = $t->post($ep->{path}, call_body());
        push @status, $r->{status};
        if ($r->{status} == 429) {
            is($r->{json}{reason}, 'rate_limited', '429 reason');
            like($r->{headers}{'retry-after'} // '', qr/^\d+$/, 'Retry-After in whole seconds');
            cmp_ok($r->{headers}{'retry-after'}, '>=', 1, 'Retry-After at least 1');
            cmp_ok($r->{headers}{'retry-after'}, '<=', 61, 'Retry-After at most the window');
            is($r->{json}{retryAfter}, $r->{headers}{'retry-after'}, 'the body says the same');
        }
    }
    is(scalar(grep { $_ == 200 } @status), 5, 'exactly 5 passed');
    is(scalar(grep { $_ == 429 } @status), 3, 'exactly 3 refused');

    $t->reload;
    is($t->post($ep->{path}, call_body())->{status}, 429, 'still limited after nginx -s reload');

    my $zone_default = $t->create_endpoint(provider => 'custom', client => 'zone-default');
    (my $limited = $zone_default->{path}) =~ s{^/webhooks/}{/limited/};
    my @s = map { $t->post($limited, call_body())->{status} } 1 .. 5;
    is_deeply(\@s, [200, 200, 200, 429, 429], 'voxfra_rate_limit 3 r/m is the default where the endpoint has none');
};

subtest 'duplicates after a restart and across endpoint replace' => sub {
    my $ep = $t->create_endpoint(provider => 'custom', client => 'dedupe');
    my $body = call_body('dedupe-1');
    my $first = $t->post($ep->{path}, $body);
    is($first->{json}{status}, 'accepted', 'stored');
    $t->stop;
    $t->start;
    my $again = $t->post($ep->{path}, $body);
    is($again->{json}{status}, 'duplicate', 'a duplicate after a restart (the zone is new, LMDB knows)');
    is($again->{json}{recordId}, $first->{json}{recordId}, 'naming the stored record');

    my $new = $t->cli_json('endpoint', 'replace', $ep->{slug});
    my $via_new = $t->post($new->{path}, $body);
    is($via_new->{json}{status}, 'duplicate', 'the replaced endpoint still dedupes the old slug\'s calls');
    is($t->post($ep->{path}, $body)->{status}, 404, 'the old slug is gone');
    is(stored('dedupe-1'), 1, 'stored once');
};

subtest 'counters live in shared memory: a killed worker loses none' => sub {
    my $ep = $t->create_endpoint(provider => 'custom', client => 'counted');
    $t->post($ep->{path}, call_body()) for 1 .. 6;
    $t->post($ep->{path}, '{"callId":') for 1 .. 2;
    kill 'KILL', $t->worker_pids;   # before their next flush
    my $shown = $t->endpoint_counted($ep->{slug}, 8);
    is($shown->{requests}, 8, 'every request counted after both workers were killed');
    is($shown->{accepted}, 6, 'accepted');
    is($shown->{rejectedBy}{invalid_json}, 2, 'rejected by reason');
    # The master replaced the killed workers: say so, so the log check below
    # does not count it as a crash.
    $t->{killed_workers} = 1;
};

$t->check_error_log(undef, $t->{killed_workers} ? qr/exited on signal 9/ : undef);
done_testing;
