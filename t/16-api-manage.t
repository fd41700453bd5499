#!/usr/bin/env perl
# Managing endpoints through the Management API, against a real NGINX, LMDB
# and CLI: every write route and its errors, roles and scopes, the same
# change made by the CLI and by the API giving the same stored record and
# the same refusal, webhooks that follow each change (a disabled or revoked
# URL is 404, a rotated secret's predecessor still signs during the grace),
# Idempotency-Key, the per-token write limit, the audit log through the API
# and `voxfra endpoint audit`, and every answer validated against
# docs/openapi.json (ajv; skipped, and said so, when npm cannot install it).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use Digest::SHA qw(hmac_sha256_hex);

my $json = VoxfraTest->json;
my $root = VoxfraTest->root;
my $write_limit = 40;

my $t = VoxfraTest->new(edit => sub {
    my $conf = shift;
    $conf =~ s/voxfra_api;/voxfra_api write_limit=$write_limit;/ or die 'no voxfra_api in the example conf';
    return $conf;
});

my $admin = $t->create_token(org => 'acme', role => 'admin', name => 'acme admin');
my $writer = $t->create_token(all => 1, role => 'write', name => 'ops writer');
my $reader = $t->create_token(org => 'acme', name => 'acme dashboard');

# Every answer, to validate against the document at the end.
my @answers;
sub record_answer {
    my ($route, $method, $res) = @_;
    push @answers, { name => "$method $route ($res->{status})", route => $route, method => lc $method,
                     status => $res->{status} + 0, body => $res->{json} // $res->{body} };
    ok($res->{json} && $res->{json}{requestId}, "$method $route: JSON with requestId") or diag $res->{body};
    is($res->{headers}{'x-request-id'}, $res->{json}{requestId}, "$method $route: X-Request-Id is requestId")
        if $res->{json};
    return $res;
}
sub write_api {
    my ($route, $method, $path, $token, $body, @headers) = @_;
    return record_answer($route, $method, $t->api_write($method, $path, $token, $body, @headers));
}
sub get_api {
    my ($route, $path, $token) = @_;
    return record_answer($route, 'GET', $t->api_get($path, $token));
}

my $n = 0;
sub call_body {
    return $json->encode({ callId => 'manage-' . ++$n, startedAt => '2026-11-23T10:00:00Z', durationSeconds => 5 });
}
sub sign {
    my ($secret, $body) = @_;
    my $time = time;
    return "t=$time,v1=" . hmac_sha256_hex("$time.$body", $secret);
}
sub post_webhook {
    my ($path, $secret) = @_;
    my $body = call_body();
    return $t->post($path, $body, defined $secret ? ('X-Voxfra-Signature' => sign($secret, $body)) : ());
}
# The stored record as `endpoint show --json` prints it.
sub shown { $t->cli_json('endpoint', 'show', $_[0]) }

# ---------------------------------------------------------------------------

subtest 'tokens with a role' => sub {
    my $list = $t->cli_json('token', 'list');
    my %role = map { $_->{id} => $_->{role} } @$list;
    is($role{ $admin->{id} }, 'admin', 'token list: admin');
    is($role{ $writer->{id} }, 'write', 'write');
    is($role{ $reader->{id} }, 'read', 'a token made without --role reads');
    my ($code, $out, $err) = $t->cli('token', 'create', '--org', 'acme', '--role', 'owner');
    is($code, 2, 'an unknown role: exit 2');
    like($err, qr/--role "owner": one of read, write, admin/, 'says which roles there are');
    my $me = get_api('/v1/token', '/v1/token', $admin->{token});
    is_deeply([@{ $me->{json} }{qw(id scope role)}], [$admin->{id}, 'acme', 'admin'], 'v1/token: id, scope, role');
    is($me->{json}{mayWrite}, JSON::PP::true, 'an admin may write');
    is(get_api('/v1/token', '/v1/token', $reader->{token})->{json}{mayWrite}, JSON::PP::false, 'a reader may not');
};

subtest 'a read token changes nothing: 403' => sub {
    my $res = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $reader->{token},
                        { client => 'dental', provider => 'custom' });
    is($res->{status}, 403, 'create with a read token: 403');
    is($res->{json}{reason}, 'forbidden', 'reason forbidden');
    like($res->{json}{error}, qr/may only read/, 'says the token may only read');
    is(scalar @{ $t->cli_json('endpoint', 'list') }, 0, 'no endpoint was made');
    my $none = write_api('/v1/endpoints', 'POST', '/v1/endpoints', undef, { client => 'dental', provider => 'custom' });
    is($none->{status}, 401, 'no token: 401');
    like($none->{headers}{'www-authenticate'} // '', qr/^Bearer\b/, 'WWW-Authenticate: Bearer');
    my $cookie = $t->api_write('POST', '/v1/endpoints', undef, { client => 'dental', provider => 'custom' },
                               Cookie => "token=$admin->{token}");
    is($cookie->{status}, 401, 'a token in a cookie is no token (bearer header only)');
};

my ($dental, $dental_secret);
subtest 'create: the URL and secret once, then never' => sub {
    my $res = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $admin->{token},
                        { client => 'dental', provider => 'custom', hmac => JSON::PP::true,
                          allow => ['127.0.0.0/8', '2001:db8::/32'], rateLimit => 600 });
    is($res->{status}, 201, 'create: 201') or diag $res->{body};
    my $a = $res->{json};
    is($a->{endpoint}{org}, 'acme', 'the org is the token\'s');
    is($a->{endpoint}{status}, 'active', 'active');
    like($a->{slug}, qr/^[A-Za-z0-9_-]{32,}$/, 'the whole slug');
    is($a->{path}, "/webhooks/custom/$a->{slug}", 'and the path to give the provider');
    like($a->{secret} // '', qr/^whsec_/, 'the secret voxfra made');
    is_deeply($a->{endpoint}{allow}, ['127.0.0.0/8', '2001:db8::/32'], 'the allowlist');
    is($a->{endpoint}{rateLimit}, 600, 'the rate limit');
    $dental = $a;
    $dental_secret = $a->{secret};
    my $again = get_api('/v1/endpoints/{id}', "/v1/endpoints/$a->{endpoint}{id}", $admin->{token});
    unlike($again->{body}, qr/\Q$a->{slug}\E|\Q$dental_secret\E/, 'reading it back shows neither slug nor secret');
    my $posted = post_webhook($a->{path}, $dental_secret);
    is($posted->{json}{status}, 'accepted', 'a signed webhook to the new URL is stored') or diag $posted->{body};
    is(post_webhook($a->{path})->{status}, 401, 'an unsigned one is not');
};

subtest 'create: the CLI\'s rules and errors' => sub {
    my $res = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $admin->{token},
                        { client => 'dental', provider => 'custom' });
    is($res->{status}, 409, 'a second active endpoint: 409');
    is($res->{json}{reason}, 'conflict', 'reason conflict');
    like($res->{json}{error}, qr/an active endpoint for org "acme", client "dental", provider custom already exists: \Q$dental->{endpoint}{id}\E/,
         'names the active one');
    my ($code, undef, $err) = $t->cli('endpoint', 'create', '--org', 'acme', '--client', 'dental',
                                      '--provider', 'custom');
    is($code, 1, 'the CLI refuses the same: exit 1');
    is($err, "voxfra: $res->{json}{error}\n", 'in the same words');

    my @bad = (
        [{ client => 'x', provider => 'custom', colour => 'red' }, 'colour', qr/not a member/, 'an unknown member'],
        [{ client => 'x', provider => 'custom', allow => ['10.0.0.0/33'] }, 'allow', qr/not an IPv4 or IPv6/, 'a bad CIDR'],
        [{ client => 'x', provider => 'custom', allow => '10.0.0.0/8' }, 'allow', qr/array of strings/, 'allow not an array'],
        [{ client => 'x', provider => 'custom', rateLimit => 0 }, 'rateLimit', qr/whole number from 1/, 'rate limit 0'],
        [{ client => 'x', provider => 'custom', rateLimit => 1_000_001 }, 'rateLimit', qr/whole number/, 'rate limit too high'],
        [{ client => 'a b', provider => 'custom' }, 'client', qr/1-64 characters/, 'a bad client name'],
        [{ provider => 'custom' }, 'client', qr/required/, 'no client'],
        [{ client => 'x', provider => 'skype' }, 'provider', qr/one of: vapi/, 'an unknown provider'],
        [{ client => 'x', provider => 'vapi', hmac => 'yes' }, 'hmac', qr/true or false/, 'hmac not a boolean'],
        [{ client => 'x', provider => 'livekit' }, 'hmac', qr/livekit endpoint/, 'an endpoint that could verify nothing'],
        [{ client => 'x', provider => 'custom', secret => 'short' }, 'secret', qr/16 characters/, 'a short secret'],
        [{ client => 'x', provider => 'custom', allow => [map { "10.0.$_.0/24" } 1 .. 65] }, 'allow', qr/at most 64/, '65 CIDRs'],
    );
    for my $case (@bad) {
        my ($body, $field, $problem, $what) = @$case;
        my $r = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $admin->{token}, $body);
        is($r->{status}, 400, "$what: 400");
        is($r->{json}{reason}, 'invalid_body', "$what: invalid_body");
        my ($detail) = grep { $_->{field} eq $field } @{ $r->{json}{details} // [] };
        like($detail->{problem} // '', $problem, "$what: details name $field") or diag $r->{body};
    }
    my $dup = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $admin->{token},
                        '{"client":"x","provider":"custom","client":"y"}');
    is($dup->{json}{details}[0]{field}, 'client', 'a member given twice: 400 naming it');
    my $broken = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $admin->{token}, '{"client":');
    is($broken->{status}, 400, 'not JSON: 400');
    my $array = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $admin->{token}, '[]');
    like($array->{json}{details}[0]{problem}, qr/not a JSON object/, 'not an object: 400');
    my $text = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $admin->{token}, '{}', 'Content-Type' => 'text/plain');
    is($text->{status}, 415, 'text/plain: 415');
    my $big = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $admin->{token}, '{"client":"' . ('x' x 70_000) . '"}');
    is($big->{status}, 413, 'a 70 kB body: 413');
    is($big->{json}{reason}, 'payload_too_large', 'reason payload_too_large');
    my $other = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $admin->{token},
                          { org => 'globex', client => 'x', provider => 'custom' });
    is($other->{status}, 403, 'another org\'s endpoint with an org token: 403');
    my $all = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $writer->{token}, { client => 'x', provider => 'custom' });
    is($all->{json}{details}[0]{field}, 'org', 'an all-orgs token names the org: 400 without it');
    my $query = write_api('/v1/endpoints', 'POST', '/v1/endpoints?dry=1', $admin->{token}, { client => 'x', provider => 'custom' });
    is($query->{status}, 400, 'a query parameter on a write: 400');
    is(scalar @{ $t->cli_json('endpoint', 'list') }, 1, 'none of these made an endpoint');
};

subtest 'disable, enable, revoke: the webhook follows' => sub {
    my $id = $dental->{endpoint}{id};
    my $off = write_api('/v1/endpoints/{id}/disable', 'POST', "/v1/endpoints/$id/disable", $admin->{token});
    is($off->{status}, 200, 'disable: 200') or diag $off->{body};
    is($off->{json}{endpoint}{status}, 'inactive', 'inactive');
    is($off->{json}{changed}, JSON::PP::true, 'changed');
    is(post_webhook($dental->{path}, $dental_secret)->{status}, 404, 'a webhook to a disabled endpoint: 404');
    my $again = write_api('/v1/endpoints/{id}/disable', 'POST', "/v1/endpoints/$id/disable", $admin->{token});
    is($again->{json}{changed}, JSON::PP::false, 'disabling it again changes nothing');
    my $on = write_api('/v1/endpoints/{id}/enable', 'POST', "/v1/endpoints/$id/enable", $admin->{token}, '{}');
    is($on->{json}{endpoint}{status}, 'active', 'enable: active');
    is(post_webhook($dental->{path}, $dental_secret)->{json}{status}, 'accepted', 'webhooks are stored again');
    my $body = write_api('/v1/endpoints/{id}/enable', 'POST', "/v1/endpoints/$id/enable", $admin->{token}, { now => 1 });
    is($body->{json}{reason}, 'invalid_body', 'a member on a route that takes none: 400');
    my $get = $t->api_write('DELETE', "/v1/endpoints/$id", $admin->{token}, undef);
    is($get->{status}, 405, 'DELETE: 405');
    is($get->{headers}{allow}, 'GET, PATCH', 'Allow: GET, PATCH');
    my $unknown = write_api('/v1/endpoints/{id}/disable', 'POST', '/v1/endpoints/ep_0000000000000000/disable', $admin->{token});
    is($unknown->{status}, 404, 'an unknown id: 404');
};

subtest 'the same change by the CLI and the API: the same record' => sub {
    my $cli = $t->create_endpoint(client => 'parity-cli', provider => 'retell', args => ['--hmac', '--allow', '10.0.0.0/8', '--rate-limit', '120']);
    my $api = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $writer->{token},
                        { org => 'acme', client => 'parity-api', provider => 'retell', hmac => JSON::PP::true,
                          allow => ['10.0.0.0/8'], rateLimit => 120 })->{json};
    my $strip = sub {
        my %r = %{ $_[0] };
        delete @r{qw(id slug path client createdAt updatedAt lastUsedAt)};
        return \%r;
    };
    is_deeply($strip->(shown($api->{slug})), $strip->(shown($cli->{slug})), 'created: the same record but for names');
    my ($code, $out) = $t->cli('endpoint', 'set', $cli->{slug}, '--allow', '192.0.2.0/24', '--allow', '2001:db8::/48', '--default-rate-limit');
    is($code, 0, 'CLI set') or diag $out;
    my $set = write_api('/v1/endpoints/{id}', 'PATCH', "/v1/endpoints/$api->{endpoint}{id}", $writer->{token},
                        { allow => ['192.0.2.0/24', '2001:db8::/48'], rateLimit => undef });
    is($set->{status}, 200, 'PATCH: 200') or diag $set->{body};
    is_deeply($strip->(shown($api->{slug})), $strip->(shown($cli->{slug})), 'set: the same record');
    $t->cli('endpoint', 'disable', $cli->{slug});
    write_api('/v1/endpoints/{id}/disable', 'POST', "/v1/endpoints/$api->{endpoint}{id}/disable", $writer->{token});
    is_deeply($strip->(shown($api->{slug})), $strip->(shown($cli->{slug})), 'disabled: the same record');
    $t->cli('endpoint', 'revoke', $cli->{slug});
    write_api('/v1/endpoints/{id}/revoke', 'POST', "/v1/endpoints/$api->{endpoint}{id}/revoke", $writer->{token});
    is_deeply($strip->(shown($api->{slug})), $strip->(shown($cli->{slug})), 'revoked: the same record');
    my $enable = write_api('/v1/endpoints/{id}/enable', 'POST', "/v1/endpoints/$api->{endpoint}{id}/enable", $writer->{token});
    is($enable->{status}, 409, 'enable a revoked endpoint: 409');
    is($enable->{json}{reason}, 'endpoint_revoked', 'reason endpoint_revoked');
    my (undef, undef, $err) = $t->cli('endpoint', 'enable', $cli->{slug});
    (my $cli_words = $err) =~ s/\Q$cli->{id}\E/ID/;
    (my $api_words = $enable->{json}{error}) =~ s/\Q$api->{endpoint}{id}\E/ID/;
    is($cli_words, "voxfra: $api_words\n", 'the CLI refuses in the same words');
};

my $replacement;
subtest 'replace: the old URL 404, the new one stored; Idempotency-Key' => sub {
    my $id = $dental->{endpoint}{id};
    my $res = write_api('/v1/endpoints/{id}/replace', 'POST', "/v1/endpoints/$id/replace", $admin->{token}, undef,
                        'Idempotency-Key' => 'replace-dental-1');
    is($res->{status}, 201, 'replace: 201') or diag $res->{body};
    $replacement = $res->{json};
    is($replacement->{replaced}{id}, $id, 'names the endpoint it replaced');
    is($replacement->{replaced}{status}, 'revoked', 'now revoked');
    isnt($replacement->{slug}, $dental->{slug}, 'a new slug');
    like($replacement->{secret}, qr/^whsec_/, 'and a new secret, shown once');
    isnt($replacement->{secret}, $dental_secret, 'not the old one');
    is(post_webhook($dental->{path}, $dental_secret)->{status}, 404, 'the old URL: 404');
    is(post_webhook($replacement->{path}, $replacement->{secret})->{json}{status}, 'accepted', 'the new one: stored');
    my $retry = write_api('/v1/endpoints/{id}/replace', 'POST', "/v1/endpoints/$id/replace", $admin->{token}, undef,
                          'Idempotency-Key' => 'replace-dental-1');
    is($retry->{status}, 201, 'the retried replace: the first answer');
    is($retry->{json}{endpoint}{id}, $replacement->{endpoint}{id}, 'the same new endpoint');
    is($retry->{headers}{'idempotent-replayed'}, 'true', 'Idempotent-Replayed: true');
    isnt($retry->{json}{requestId}, $res->{json}{requestId}, 'with its own requestId');

    my $body = { client => 'ortho', provider => 'vapi', hmac => JSON::PP::true };
    my $first = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $admin->{token}, $body, 'Idempotency-Key' => 'ortho-1');
    my $second = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $admin->{token}, $body, 'Idempotency-Key' => 'ortho-1');
    is($first->{status}, 201, 'create with a key: 201');
    is($second->{json}{endpoint}{id}, $first->{json}{endpoint}{id}, 'retried: the same endpoint, not a second');
    is(scalar(grep { $_->{client} eq 'ortho' } @{ $t->cli_json('endpoint', 'list') }), 1, 'one ortho endpoint stored');
    my $other = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $admin->{token}, { %$body, client => 'pedo' },
                          'Idempotency-Key' => 'ortho-1');
    is($other->{status}, 409, 'the key with another request: 409');
    is($other->{json}{reason}, 'idempotency_key_reused', 'reason idempotency_key_reused');
    my $theirs = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $writer->{token}, { %$body, org => 'acme', client => 'pedo' },
                           'Idempotency-Key' => 'ortho-1');
    is($theirs->{status}, 201, 'another token\'s key of the same text is its own');
};

subtest 'rotate: the old secret signs during the grace' => sub {
    my $id = $replacement->{endpoint}{id};
    my $old = $replacement->{secret};
    my $res = write_api('/v1/endpoints/{id}/rotate-secret', 'POST', "/v1/endpoints/$id/rotate-secret", $admin->{token},
                        { graceSeconds => 3600 });
    is($res->{status}, 200, 'rotate: 200') or diag $res->{body};
    my $new = $res->{json}{secret};
    like($new, qr/^whsec_/, 'the new secret, shown once');
    ok(!exists $res->{json}{slug}, 'no slug: the URL stays');
    is(post_webhook($replacement->{path}, $new)->{json}{status}, 'accepted', 'the new secret signs');
    is(post_webhook($replacement->{path}, $old)->{json}{status}, 'accepted', 'the old one still does, in its grace');
    my $now = write_api('/v1/endpoints/{id}/rotate-secret', 'POST', "/v1/endpoints/$id/rotate-secret", $admin->{token},
                        { graceSeconds => 0 });
    is(post_webhook($replacement->{path}, $now->{json}{secret})->{json}{status}, 'accepted', 'rotated again, no grace');
    is(post_webhook($replacement->{path}, $new)->{status}, 401, 'the previous secret no longer signs');
    my $bad = write_api('/v1/endpoints/{id}/rotate-secret', 'POST', "/v1/endpoints/$id/rotate-secret", $admin->{token},
                        { graceSeconds => -1 });
    is($bad->{json}{details}[0]{field}, 'graceSeconds', 'a negative grace: 400 naming graceSeconds');
};

subtest 'allowlist: set, refused, cleared' => sub {
    my $id = $replacement->{endpoint}{id};
    my $path = $replacement->{path};
    my $secret = write_api('/v1/endpoints/{id}/rotate-secret', 'POST', "/v1/endpoints/$id/rotate-secret", $admin->{token})
        ->{json}{secret};
    my $res = write_api('/v1/endpoints/{id}', 'PATCH', "/v1/endpoints/$id", $admin->{token}, { allow => ['192.0.2.0/24'] });
    is_deeply($res->{json}{endpoint}{allow}, ['192.0.2.0/24'], 'PATCH allow');
    is(post_webhook($path, $secret)->{status}, 403, 'a webhook from outside it: 403');
    my $bad = write_api('/v1/endpoints/{id}', 'PATCH', "/v1/endpoints/$id", $admin->{token}, { allow => ['192.0.2.0/24', 'nonsense'] });
    is($bad->{status}, 400, 'a bad CIDR: 400');
    like($bad->{json}{details}[0]{problem}, qr/"nonsense": not an IPv4/, 'naming it');
    is_deeply(shown($replacement->{slug})->{allow}, ['192.0.2.0/24'], 'and nothing half-written');
    my $none = write_api('/v1/endpoints/{id}', 'PATCH', "/v1/endpoints/$id", $admin->{token}, {});
    is($none->{status}, 400, 'PATCH without allow or rateLimit: 400');
    write_api('/v1/endpoints/{id}', 'PATCH', "/v1/endpoints/$id", $admin->{token}, { allow => undef, rateLimit => 30 });
    is(post_webhook($path, $secret)->{json}{status}, 'accepted', 'allow null: any address again');
    is(shown($replacement->{slug})->{rateLimit}, 30, 'and the rate limit set');
};

subtest 'scope: another org\'s endpoint is absent' => sub {
    my $globex = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $writer->{token},
                           { org => 'globex', client => 'main', provider => 'custom' })->{json};
    my $res = write_api('/v1/endpoints/{id}/disable', 'POST', "/v1/endpoints/$globex->{endpoint}{id}/disable", $admin->{token});
    is($res->{status}, 404, 'an acme token disabling globex\'s endpoint: 404');
    is(shown($globex->{slug})->{status}, 'active', 'still active');
};

subtest 'the audit log: who, which token, what, when' => sub {
    my $res = get_api('/v1/audit', '/v1/audit?limit=200', $admin->{token});
    is($res->{status}, 200, 'v1/audit: 200');
    my @items = @{ $res->{json}{items} };
    ok(!grep({ $_->{org} ne 'acme' } @items), 'an acme token reads acme\'s entries only');
    my @dental = grep { $_->{endpoint} eq $dental->{endpoint}{id} } @items;
    is_deeply([reverse map { $_->{action} } @dental], [qw(create disable enable replace)],
              'the dental endpoint: create, disable, enable, replace (the repeated disable and the retry changed nothing)');
    is($dental[-1]{actor}, 'acme admin', 'the actor is the token\'s name');
    is($dental[-1]{tokenId}, $admin->{id}, 'with its id');
    like($dental[-1]{at}, qr/^\d{4}-\d\d-\d\dT/, 'and when');
    is($dental[0]{detail}{replacedBy}, $replacement->{endpoint}{id}, 'replace names the new endpoint');
    is($dental[-2]{detail}{to}, 'inactive', 'disable: from active to inactive');
    my $text = $res->{body};
    for my $secret (grep { defined } $dental_secret, $replacement->{secret}) {
        unlike($text, qr/\Q$secret\E/, 'no secret in the audit log');
    }
    unlike($text, qr/\Q$dental->{slug}\E|\Q$replacement->{slug}\E/, 'no whole slug');
    is($dental[0]{slugPrefix}, substr($dental->{slug}, 0, 6), 'the slug\'s prefix only');
    my $page = get_api('/v1/audit', '/v1/audit?limit=2', $admin->{token});
    ok($page->{json}{nextCursor}, 'a page of 2 has a next cursor');
    my $next = get_api('/v1/audit', "/v1/audit?limit=2&cursor=$page->{json}{nextCursor}", $admin->{token});
    is($next->{json}{items}[0]{id}, $items[2]{id}, 'which continues where it ended');
    my $denied = get_api('/v1/audit', '/v1/audit', $writer->{token});
    is($denied->{status}, 403, 'a write token does not read the audit log');

    my $cli = $t->cli_json('endpoint', 'audit', '--limit', '500');
    my %cli_actors = map { $_->{actor} => 1 } @$cli;
    ok((grep { /^cli:/ } keys %cli_actors), 'the CLI\'s changes are in it, as cli:<user>');
    ok($cli_actors{'ops writer'}, 'with the API\'s');
    my $one = $t->cli_json('endpoint', 'audit', $dental->{slug});
    is(scalar @$one, 4, 'endpoint audit SLUG: that endpoint\'s four entries');
    my ($code, $out) = $t->cli('endpoint', 'audit', '--org', 'acme');
    like($out, qr/ACTOR\s+TOKEN\s+ACTION/, 'a table');
    unlike($out, qr/\Q$dental_secret\E/, 'without secrets');
};

subtest 'the write limit per token: 429 with Retry-After' => sub {
    my $busy = $t->create_token(org => 'busy', role => 'write');
    my $ep = write_api('/v1/endpoints', 'POST', '/v1/endpoints', $busy->{token}, { client => 'c', provider => 'custom' })->{json};
    my $id = $ep->{endpoint}{id};
    my $last;
    for my $i (2 .. $write_limit + 1) {
        $last = $t->api_write('POST', "/v1/endpoints/$id/" . ($i % 2 ? 'enable' : 'disable'), $busy->{token}, undef);
        last if $last->{status} != 200;
    }
    record_answer('/v1/endpoints/{id}/enable', 'POST', $last);
    is($last->{status}, 429, "change $write_limit + 1 within a minute: 429");
    is($last->{json}{reason}, 'rate_limited', 'reason rate_limited');
    is($last->{headers}{'retry-after'}, 60, 'Retry-After: 60');
    my $other = write_api('/v1/endpoints/{id}/disable', 'POST', "/v1/endpoints/$id/disable", $writer->{token});
    is($other->{status}, 200, 'another token still writes');
};

# ---------------------------------------------------------------------------
# Every answer against the OpenAPI document's schemas.

VoxfraTest::check_openapi(\@answers);

$t->check_error_log;
done_testing;
