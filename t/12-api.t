#!/usr/bin/env perl
# The Management API through a real NGINX, LMDB and CLI: every route, the
# filters, pages that stay exact while calls are posted between them, 401,
# 403 and 405, an org token that never sees another org, a token_file
# token, an endpoint's request history after a known mix, and every real
# answer validated against docs/openapi.json (ajv,
# installed by this test into t/api/node_modules; skipped, and said so,
# when npm cannot install it).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use Digest::SHA qw(sha256_hex);
use Time::HiRes qw(sleep);

my $json = VoxfraTest->json;
my $root = VoxfraTest->root;

# A token kept in config management: only its hash is in the file.
my $ops_token = 'ops-' . join('', map { sprintf '%02x', int rand 256 } 1 .. 24);
my $t = VoxfraTest->new(start => 0, edit => sub {
    my $conf = shift;
    $conf =~ s/voxfra_api;/voxfra_api token_file=api-tokens;/ or die 'no voxfra_api in the example conf';
    return $conf;
});
{
    open my $fh, '>', $t->dir . '/conf/api-tokens' or die $!;
    print $fh "# tokens of the ops team\n", sha256_hex($ops_token), " globex\n";
    close $fh;
}
$t->start;

# Every answer, to validate against the document at the end.
my @answers;
sub api {
    my ($route, $path, $token, @headers) = @_;
    my $res = $t->api_get($path, $token, @headers);
    push @answers, { name => "GET $path ($res->{status})", route => $route, status => $res->{status} + 0,
                     body => $res->{json} // $res->{body} };
    # Every answer: JSON with requestId, the same as X-Request-Id, never cached.
    ok($res->{json} && $res->{json}{requestId}, "$path: JSON with requestId") or diag $res->{raw};
    is($res->{headers}{'x-request-id'}, $res->{json}{requestId}, "$path: X-Request-Id is requestId") if $res->{json};
    is($res->{headers}{'cache-control'}, 'no-store', "$path: Cache-Control: no-store");
    return $res;
}

# ---------------------------------------------------------------------------
# Endpoints, tokens, calls

my $dental = $t->create_endpoint(org => 'acme', client => 'dental', provider => 'custom');
my $ortho = $t->create_endpoint(org => 'acme', client => 'ortho', provider => 'custom', args => ['--hmac']);
my $retell = $t->create_endpoint(org => 'acme', client => 'dental', provider => 'retell');
my $globex = $t->create_endpoint(org => 'globex', client => 'main', provider => 'custom');

my $acme_token = $t->create_token(org => 'acme', name => 'acme dashboard');
my $all_token = $t->create_token(all => 1);
my $revoked = $t->create_token(org => 'acme');
like($acme_token->{token}, qr/^vxt_[0-9a-f]{16}_[0-9a-f]{48}$/, 'a token carries 192 random bits after its id');
is($acme_token->{id}, 'tok_' . substr($acme_token->{token}, 4, 16), 'its id is inside it');
{
    my ($code, $out) = $t->cli('token', 'revoke', $revoked->{id});
    is($code, 0, 'token revoke') or diag $out;
    my $list = $t->cli_json('token', 'list');
    my %status = map { $_->{id} => $_->{status} } @$list;
    is($status{ $revoked->{id} }, 'revoked', 'token list shows it revoked');
    is($status{ $acme_token->{id} }, 'active', 'and the others active');
    unlike($json->encode($list), qr/\Q$acme_token->{token}\E|vxt_/, 'token list never shows a token');
    ok(index(VoxfraTest::slurp($t->db . '/data.mdb'), $acme_token->{token}) < 0, 'the store holds no token in clear');
}

my $n = 0;
sub post_call {
    my ($ep, %f) = @_;
    my $id = $f{callId} // 'call-' . ++$n;
    my $body = $json->encode({ callId => $id, startedAt => '2026-11-23T10:00:00Z', durationSeconds => 60,
                               outcome => $f{outcome} // 'completed', transcript => "agent: hello $id",
                               summary => "summary of $id",
                               turns => [{ role => 'agent', text => "hello $id" }, { role => 'user', text => 'hi' }] });
    my $res = $t->post($ep->{path}, $body);
    is($res->{status}, 200, "posted $id") or diag $res->{body};
    return $res->{json};
}

post_call($dental) for 1 .. 5;
post_call($dental, outcome => 'no-answer', callId => 'unanswered-1');
my $globex_call = post_call($globex, callId => 'globex-secret-call');
my $shared = post_call($globex, callId => 'shared-id');
post_call($dental, callId => 'shared-id');
# Retell reports one call twice: listed once, merged.
my $ended = $t->post($retell->{path}, $t->fixture('tests/fixtures/retell/call_ended.json'));
my $analyzed = $t->post($retell->{path}, $t->fixture('tests/fixtures/retell/call_analyzed.json'));
is($analyzed->{json}{status}, 'accepted', 'both Retell events stored') or diag $analyzed->{body};

# ---------------------------------------------------------------------------

subtest 'health: no token needed' => sub {
    my $res = api('/v1/health', '/v1/health');
    is($res->{status}, 200, 'health: 200');
    is($res->{json}{status}, 'ok', 'ok');
    is($res->{json}{store}{open}, JSON::PP::true, 'store open');
    is($res->{json}{store}{schemaVersion}, 1, 'schema version');
    cmp_ok($res->{json}{store}{mapUsedBytes}, '>', 0, 'map use');
    is($res->{json}{store}{mapSizeBytes}, 1024 ** 3, 'map size (size=1g)');
};

subtest '401, 405, unknown routes' => sub {
    for my $case (['no token', undef], ['unknown token', 'vxt_0000000000000000_' . ('0' x 48)],
                  ['revoked token', $revoked->{token}], ['a token with one character changed', substr($acme_token->{token}, 0, -1) . 'x']) {
        my $res = api('/v1/calls', '/v1/calls', $case->[1]);
        is($res->{status}, 401, "$case->[0]: 401");
        is($res->{json}{reason}, 'unauthorized', "$case->[0]: reason unauthorized");
        like($res->{headers}{'www-authenticate'} // '', qr/^Bearer\b/, "$case->[0]: WWW-Authenticate: Bearer");
    }
    my $basic = api('/v1/calls', '/v1/calls', undef, Authorization => 'Basic YWNtZTphY21l');
    is($basic->{status}, 401, 'another scheme: 401');
    for my $method (qw(POST PUT DELETE PATCH)) {
        my $res = $t->request($method, '/api/v1/calls', body => '{}',
                              headers => [Authorization => "Bearer $all_token->{token}"]);
        is($res->{status}, 405, "$method: 405");
        is($res->{headers}{allow}, 'GET', "$method: Allow: GET");
        is($res->{json}{reason}, 'method_not_allowed', "$method: reason");
        is($res->{headers}{'x-request-id'}, $res->{json}{requestId}, "$method: X-Request-Id");
    }
    my $nope = api('/v1/calls', '/v1/nothing', $all_token->{token});
    is($nope->{status}, 404, 'an unknown route: 404');
    $answers[-1]{route} = '/v1/calls/{recordId}';  # validated as a documented 404 (same Error schema)
};

subtest 'an org token sees only its org' => sub {
    my $res = api('/v1/calls', '/v1/calls?limit=200', $acme_token->{token});
    is($res->{status}, 200, 'calls: 200');
    my @orgs = map { $_->{org} } @{ $res->{json}{items} };
    ok(@orgs && !grep({ $_ ne 'acme' } @orgs), 'every call is acme\'s');
    unlike($res->{body}, qr/globex/, 'nothing of globex in the answer');
    my $forbidden = api('/v1/calls', '/v1/calls?org=globex', $acme_token->{token});
    is($forbidden->{status}, 403, 'org=globex: 403');
    is($forbidden->{json}{reason}, 'forbidden', 'reason forbidden');
    is($forbidden->{json}{details}[0]{field}, 'org', 'details name org');
    is(api('/v1/endpoints', '/v1/endpoints?org=globex', $acme_token->{token})->{status}, 403, 'endpoints org=globex: 403');
    is(api('/v1/calls/{recordId}', "/v1/calls/$globex_call->{recordId}", $acme_token->{token})->{status}, 404,
       'a globex record by id: 404');
    is(api('/v1/providers/{provider}/calls/{callId}', '/v1/providers/custom/calls/globex-secret-call',
           $acme_token->{token})->{status}, 404, 'a globex call by call id: 404');
    is(api('/v1/endpoints/{id}', "/v1/endpoints/$globex->{id}", $acme_token->{token})->{status}, 404,
       'a globex endpoint by id: 404');
    my $orgs = api('/v1/orgs', '/v1/orgs', $acme_token->{token});
    is_deeply([map { $_->{org} } @{ $orgs->{json}{items} }], ['acme'], 'orgs: acme only');
    my $shared_call = api('/v1/providers/{provider}/calls/{callId}', '/v1/providers/custom/calls/shared-id',
                          $acme_token->{token});
    is($shared_call->{status}, 200, 'a call id both orgs have: the org token finds its own');
    is($shared_call->{json}{call}{org}, 'acme', 'acme\'s');

    # The token_file token is scoped to globex.
    my $ops = api('/v1/calls', '/v1/calls', $ops_token);
    is($ops->{status}, 200, 'token_file token: 200');
    is_deeply([sort map { $_->{org} } @{ $ops->{json}{items} }], ['globex', 'globex'], 'sees globex only');
    is(api('/v1/calls', '/v1/calls?org=acme', $ops_token)->{status}, 403, 'token_file token, org=acme: 403');
};

subtest 'calls: filters, one call by record id and by provider call id' => sub {
    my $tok = $all_token->{token};
    my $all = api('/v1/calls', '/v1/calls?limit=200', $tok)->{json}{items};
    my @ids = map { $_->{callId} } @$all;
    my $cli = $t->cli_json('calls', 'list', '--limit', '200');
    is_deeply(\@ids, [map { $_->{callId} } @$cli], 'the same calls in the same order as `voxfra calls list`');
    is(scalar(grep { $_ eq 'Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6' } @ids), 1, 'the Retell call is listed once');
    my ($merged) = grep { $_->{callId} eq 'Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6' } @$all;
    is(scalar @{ $merged->{revisions} // [] }, 2, 'with both revisions');

    my $client = api('/v1/calls', '/v1/calls?org=acme&client=ortho', $tok)->{json}{items};
    is_deeply($client, [], 'client=ortho: none');
    my $provider = api('/v1/calls', '/v1/calls?provider=retell', $tok)->{json}{items};
    is_deeply([map { $_->{provider} } @$provider], ['retell'], 'provider=retell');
    my $outcome = api('/v1/calls', '/v1/calls?outcome=no-answer', $tok)->{json}{items};
    is_deeply([map { $_->{callId} } @$outcome], ['unanswered-1'], 'outcome=no-answer');
    my $future = api('/v1/calls', '/v1/calls?since=2099-01-01T00:00:00Z', $tok)->{json}{items};
    is_deeply($future, [], 'since in the future: none');
    my $past = api('/v1/calls', '/v1/calls?until=2000-01-01T00:00:00Z', $tok)->{json}{items};
    is_deeply($past, [], 'until in the past: none');
    my $window = api('/v1/calls', '/v1/calls?since=2000-01-01T00:00:00Z&until=2099-01-01T00:00:00Z&limit=200', $tok);
    is(scalar @{ $window->{json}{items} }, scalar @$all, 'a window around now: all');
    for my $bad ('limit=0', 'limit=1000', 'since=yesterday', 'provider=skype', 'cursor=nonsense', 'colour=red') {
        my $res = api('/v1/calls', "/v1/calls?$bad", $tok);
        is($res->{status}, 400, "$bad: 400");
        is($res->{json}{reason}, 'invalid_parameter', "$bad: invalid_parameter");
        my ($name) = $bad =~ /^(\w+)/;
        is($res->{json}{details}[0]{field}, $name, "$bad: details name $name");
    }

    my $one = api('/v1/calls/{recordId}', "/v1/calls/$ended->{json}{recordId}", $tok);
    is($one->{status}, 200, 'by record id: 200');
    is($one->{json}{call}{callId}, 'Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6', 'the call');
    is($one->{json}{call}{id}, $analyzed->{json}{recordId}, 'an older revision finds the merged call');
    is(api('/v1/calls/{recordId}', '/v1/calls/00000000000fffff', $tok)->{status}, 404, 'no such record: 404');
    my $by_id = api('/v1/providers/{provider}/calls/{callId}', '/v1/providers/retell/calls/Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6', $tok);
    is($by_id->{status}, 200, 'by provider call id: 200');
    is($by_id->{json}{call}{id}, $analyzed->{json}{recordId}, 'merged');
    ok($by_id->{json}{call}{summary}, 'with the later revision\'s summary');
    is(api('/v1/providers/{provider}/calls/{callId}', '/v1/providers/vapi/calls/Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6', $tok)->{status},
       404, 'another provider: 404');
    my $ambiguous = api('/v1/providers/{provider}/calls/{callId}', '/v1/providers/custom/calls/shared-id', $tok);
    is($ambiguous->{status}, 409, 'a call id of two orgs, all-orgs token: 409');
    is(scalar @{ $ambiguous->{json}{details} }, 2, 'details name both');
    is(api('/v1/providers/{provider}/calls/{callId}', '/v1/providers/custom/calls/shared-id?org=globex', $tok)
           ->{json}{call}{id}, $shared->{recordId}, 'org= picks one');
};

subtest 'pages: no gap, no repeat while calls arrive' => sub {
    my $tok = $acme_token->{token};
    my $expected = [map { $_->{id} } @{ $t->cli_json('calls', 'list', '--org', 'acme', '--limit', '200') }];
    cmp_ok(scalar @$expected, '>=', 8, scalar(@$expected) . ' acme calls to page through');
    my (@seen, $pages);
    my $path = '/v1/calls?limit=2';
    while (1) {
        my $res = api('/v1/calls', $path, $tok);
        is($res->{status}, 200, "page " . ++$pages) or last;
        cmp_ok(scalar @{ $res->{json}{items} }, '<=', 2, 'at most limit items');
        push @seen, map { $_->{id} } @{ $res->{json}{items} };
        # Between pages: a new call, and a call of an earlier page delivered again.
        post_call($dental, callId => "arrived-during-page-$pages");
        last unless $res->{json}{nextCursor};
        $path = "/v1/calls?limit=2&cursor=$res->{json}{nextCursor}";
        last if $pages > 50;
    }
    is_deeply(\@seen, $expected, 'the pages together are the listing as it was at the first page, in order');
    my %count;
    $count{$_}++ for @seen;
    ok(!grep({ $_ > 1 } values %count), 'no call twice');
    my $fresh = api('/v1/calls', '/v1/calls?limit=200', $tok)->{json}{items};
    is($fresh->[0]{callId}, "arrived-during-page-$pages", 'from the top again: the calls that arrived come first');
    my $other = api('/v1/calls', "/v1/calls?cursor=" . do {
        my $eps = api('/v1/endpoints', '/v1/endpoints?limit=1', $all_token->{token});
        $eps->{json}{nextCursor} }, $tok);
    is($other->{status}, 400, 'a cursor of another listing: 400');
};

subtest 'endpoints: counters, HMAC, never a secret or a slug' => sub {
    sleep 1.5;  # counters reach LMDB once a second
    my $res = api('/v1/endpoints', '/v1/endpoints', $acme_token->{token});
    is($res->{status}, 200, 'endpoints: 200');
    my %by_id = map { $_->{id} => $_ } @{ $res->{json}{items} };
    is_deeply([sort keys %by_id], [sort map { $_->{id} } $dental, $ortho, $retell], 'acme\'s three endpoints');
    my $d = $by_id{ $dental->{id} };
    is($d->{org}, 'acme', 'org');
    is($d->{client}, 'dental', 'client');
    is($d->{status}, 'active', 'status');
    is($d->{hmac}, JSON::PP::false, 'HMAC off');
    is($by_id{ $ortho->{id} }{hmac}, JSON::PP::true, 'HMAC on');
    cmp_ok($d->{requests}, '>=', 8, "requests counted ($d->{requests})");
    is($d->{accepted}, $d->{requests}, 'all accepted');
    like($d->{lastUsedAt} // '', qr/^\d{4}-\d\d-\d\dT/, 'last used');
    is($d->{slugPrefix}, substr($dental->{slug}, 0, 6), 'a short slug prefix');
    for my $ep ($dental, $ortho, $retell) {
        unlike($res->{body}, qr/\Q$ep->{slug}\E/, "the slug of $ep->{id} is not in the answer");
        ok(!exists $by_id{ $ep->{id} }{slug}, "no slug member ($ep->{id})");
    }
    my $ortho_secret = $ortho->{secret};
    unlike($res->{body}, qr/\Q$ortho_secret\E|whsec_/, 'no secret');

    my $client = api('/v1/endpoints', '/v1/endpoints?client=ortho', $acme_token->{token});
    is_deeply([map { $_->{id} } @{ $client->{json}{items} }], [$ortho->{id}], 'client=ortho');
    my $provider = api('/v1/endpoints', '/v1/endpoints?provider=retell', $acme_token->{token});
    is_deeply([map { $_->{id} } @{ $provider->{json}{items} }], [$retell->{id}], 'provider=retell');
    my $one = api('/v1/endpoints/{id}', "/v1/endpoints/$ortho->{id}", $acme_token->{token});
    is($one->{json}{endpoint}{id}, $ortho->{id}, 'one endpoint by id');

    # Pages by id, all orgs.
    my @ids;
    my $path = '/v1/endpoints?limit=3';
    for (1 .. 10) {
        my $page = api('/v1/endpoints', $path, $all_token->{token});
        push @ids, map { $_->{id} } @{ $page->{json}{items} };
        last unless $page->{json}{nextCursor};
        $path = "/v1/endpoints?limit=3&cursor=$page->{json}{nextCursor}";
    }
    is_deeply(\@ids, [sort map { $_->{id} } $dental, $ortho, $retell, $globex], 'endpoint pages: all four, by id, once');

    my $orgs = api('/v1/orgs', '/v1/orgs', $all_token->{token});
    is_deeply($orgs->{json}{items},
              [{ org => 'acme', clients => [{ client => 'dental', endpoints => 2, activeEndpoints => 2 },
                                            { client => 'ortho', endpoints => 1, activeEndpoints => 1 }] },
               { org => 'globex', clients => [{ client => 'main', endpoints => 1, activeEndpoints => 1 }] }],
              'orgs and clients');
};

subtest 'endpoints/{id}/requests: the history of a known mix, newest first' => sub {
    my $ep = $t->create_endpoint(org => 'acme', client => 'history', provider => 'custom');
    my $call = sub { $json->encode({ callId => $_[0], startedAt => '2026-11-23T10:00:00Z', durationSeconds => 60 }) };
    # [name, what it sends, what its history entry says], in the order sent.
    my @mix = (
        ['accepted-1', $call->('history-1'), { outcome => 'accepted', httpStatus => 200, callId => 'history-1' }],
        ['accepted-2', $call->('history-2'), { outcome => 'accepted', httpStatus => 200, callId => 'history-2' }],
        ['duplicate', $call->('history-1'), { outcome => 'duplicate', httpStatus => 200, callId => 'history-1' }],
        ['invalid-json', '{"callId": ', { outcome => 'rejected', httpStatus => 400, reason => 'invalid_json' }],
    );
    my %request_id;
    for my $m (@mix) {
        my $res = $t->post($ep->{path}, $m->[1]);
        is($res->{status}, $m->[2]{httpStatus}, "posted $m->[0]: $m->[2]{httpStatus}") or diag $res->{raw};
        $request_id{ $m->[0] } = $res->{headers}{'x-request-id'};
    }
    my $path = "/v1/endpoints/$ep->{id}/requests";
    # The history reaches LMDB once a second: wait for the mix, then one more
    # flush, to see that nothing more comes.
    for (1 .. 60) {
        last if @{ $t->api_get($path, $acme_token->{token})->{json}{items} // [] } >= @mix;
        sleep 0.1;
    }
    sleep 1.2;
    my $res = api('/v1/endpoints/{id}/requests', $path, $acme_token->{token});
    is($res->{status}, 200, 'requests: 200') or diag $res->{body};
    my $items = $res->{json}{items} // [];
    my @newest = reverse @mix;
    is_deeply([map { $_->{requestId} } @$items], [map { $request_id{ $_->[0] } } @newest],
              'newest first: ' . join(', ', map { $_->[0] } @newest));
    for my $i (0 .. $#newest) {
        my ($e, $name, $want) = ($items->[$i] // {}, $newest[$i][0], $newest[$i][2]);
        for my $k (sort keys %$want) { is($e->{$k}, $want->{$k}, "$name: $k") }
        for my $k (qw(reason callId)) { ok(!exists $e->{$k}, "$name: no $k") unless exists $want->{$k} }
        is($e->{endpoint}, $ep->{id}, "$name: endpoint id");
        is($e->{provider}, 'custom', "$name: provider");
        like($e->{at} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "$name: at");
        ok(($e->{latencyMs} // -1) >= 0 && $e->{latencyMs} < 5000, "$name: latencyMs");
    }
    my @times = map { $_->{at} } @$items;
    is_deeply(\@times, [sort { $b cmp $a } @times], 'times descend');
    is_deeply($items, $t->cli_json('endpoint', 'log', $ep->{slug}), 'the same entries as `voxfra endpoint log --json`');

    my $two = api('/v1/endpoints/{id}/requests', "$path?limit=2", $acme_token->{token});
    is_deeply([map { $_->{requestId} } @{ $two->{json}{items} }], [map { $request_id{ $_->[0] } } @newest[0, 1]],
              'limit=2: the newest two');
    for my $bad ('limit=0', 'limit=201', 'cursor=abc') {
        my $r = api('/v1/endpoints/{id}/requests', "$path?$bad", $acme_token->{token});
        is($r->{status}, 400, "$bad: 400");
        my ($name) = $bad =~ /^(\w+)/;
        is($r->{json}{details}[0]{field}, $name, "$bad: details name $name");
    }

    # Another org's token: 404, as for an unknown id; and the other way round.
    my $other = api('/v1/endpoints/{id}/requests', $path, $ops_token);
    is($other->{status}, 404, 'a globex token, an acme endpoint: 404');
    is($other->{json}{reason}, 'not_found', 'reason not_found');
    unlike($other->{body}, qr/history-|\Q$request_id{'accepted-1'}\E/, 'nothing of the history in the answer');
    is(api('/v1/endpoints/{id}/requests', "/v1/endpoints/$globex->{id}/requests", $acme_token->{token})->{status}, 404,
       'an acme token, a globex endpoint: 404');
    my $own = api('/v1/endpoints/{id}/requests', "/v1/endpoints/$globex->{id}/requests", $ops_token);
    is($own->{status}, 200, 'the globex token, its own endpoint: 200');
    ok(@{ $own->{json}{items} // [] } && !grep({ $_->{endpoint} ne $globex->{id} } @{ $own->{json}{items} }),
       'globex\'s history, only its endpoint');
    is(api('/v1/endpoints/{id}/requests', '/v1/endpoints/ep_0000000000000000/requests', $all_token->{token})->{status},
       404, 'an unknown endpoint: 404');
};

subtest 'nginx -t names voxfra_api and the bad token_file line' => sub {
    my $check = sub {
        my ($name, $edit, $file, $want) = @_;
        my $c = VoxfraTest->new(start => 0, edit => $edit);
        if (defined $file) {
            open my $fh, '>', $c->dir . '/conf/bad-tokens' or die $!;
            print $fh $file;
            close $fh;
        }
        my ($code, $out) = $c->nginx_test;
        isnt($code, 0, "$name: nginx -t fails");
        like($out, $want, "$name: says so") or diag $out;
    };
    my $with = sub { my $arg = shift; sub { my $conf = shift; $conf =~ s/voxfra_api;/voxfra_api $arg;/; $conf } };
    $check->('a missing file', $with->('token_file=no-such-file'), undef,
             qr/"voxfra_api" directive cannot read token_file ".*no-such-file"/);
    $check->('a bad line', $with->('token_file=bad-tokens'), "# ok\n" . ('a' x 64) . " acme\nnot-a-hash acme\n",
             qr/"voxfra_api" directive token_file ".*bad-tokens": line 3: expected the token's SHA-256/);
    $check->('a bad scope', $with->('token_file=bad-tokens'), ('a' x 64) . " acme/dental\n",
             qr/line 1: expected an org name or \*/);
    $check->('an unknown parameter', $with->('tokens=x'), undef, qr/"voxfra_api" directive invalid parameter "tokens=x"/);
    $check->('no voxfra_store', sub {
        my $conf = shift;
        $conf =~ s/^\s*voxfra_store .*$//m;
        $conf =~ s/voxfra_ingest;/return 404;/;
        return $conf;
    }, undef, qr/"voxfra_api" needs a "voxfra_store" in the http block/);
    my $good = VoxfraTest->new(start => 0, edit => $with->('token_file=bad-tokens'));
    open my $fh, '>', $good->dir . '/conf/bad-tokens' or die $!;
    print $fh "\n# none yet\n";
    close $fh;
    my ($code, $out) = $good->nginx_test;
    is($code, 0, 'an empty token file passes') or diag $out;
};

subtest 'voxfra token: usage' => sub {
    my ($code, $out, $err) = $t->cli('token', 'create');
    is($code, 2, 'create without --org or --all: exit 2');
    like($err, qr/--org O or --all/, 'says what it needs');
    ($code, $out, $err) = $t->cli('token', 'create', '--org', 'acme', '--all');
    is($code, 2, 'both: exit 2');
    ($code, $out, $err) = $t->cli('token', 'revoke', 'tok_0000000000000000');
    is($code, 1, 'revoke an unknown id: exit 1');
    like($err, qr/no token with id "tok_0000000000000000"/, 'says so');
    ($code, $out) = $t->cli('token', 'create', '--org', 'acme');
    like($out, qr/^token:\s+vxt_\w+$/m, 'create prints the token');
    like($out, qr/never shown again/, 'once');
    ($code, $out) = $t->cli('--help');
    like($out, qr/voxfra token create --org O \| --all \[--role read\|write\|admin\] \[--name N\]/, '--help lists the token commands');
};

# ---------------------------------------------------------------------------
# Every answer against the OpenAPI document's schemas.

VoxfraTest::check_openapi(\@answers);

$t->check_error_log;
done_testing;
