#!/usr/bin/env perl
# The Management API on fleet nodes (docs/fleet.md, "Changes through the
# Management API"), on a real 3-server JetStream cluster and three nodes
# (NGINX + voxfra-fleet each): a change made through any node's API is in
# the fleet's bucket before the API answers, and served by every node within
# 2 s; the answer is the one a node outside a fleet gives; refusals are the
# rules' own; an Idempotency-Key replays; each change is in the audit log of
# the node it was made through, once; with the node's daemon stopped a
# change is answered "nothing was changed" within the wait, and is never
# made later when the daemon comes back; with a NATS user that may not
# write the bucket, the daemon takes the change and the answer is 504 "may
# have been made" at the end of the wait (and the server made nothing).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use VoxfraFleet;
use Time::HiRes qw(sleep time);
use Digest::SHA qw(hmac_sha256_hex);

plan skip_all => 'nats-server or build/voxfra-fleet missing' unless VoxfraFleet::available();

my $json = VoxfraTest->json;
my $wait = 2;    # fleet_wait=, seconds: the bound of the daemon-stopped case
my $nats = VoxfraFleet->new(servers => 3, node_writes => 1);
my ($code, $out, $err) = $nats->init;
is($code, 0, 'fleet init') or BAIL_OUT($err);

my $edit = sub {
    my $conf = shift;
    $conf =~ s/voxfra_api;/voxfra_api fleet_wait=${wait}s;/ or die 'no voxfra_api in the example conf';
    return $conf;
};
my @nodes = map { VoxfraTest->new(edit => $edit) } 0 .. 2;
my @daemons = map { $nats->daemon(db => $nodes[$_]->db, node => "node-$_") } 0 .. 2;
ok($daemons[$_]->wait_log(qr/endpoints mirrored: 0/, 20), "node $_ mirrors the empty bucket")
    or diag $daemons[$_]->log for 0 .. 2;
my @admin = map { $_->create_token(all => 1, role => 'admin', name => 'fleet admin')->{token} } @nodes;

my $body = sub { $json->encode({ callId => "c-$_[0]", startedAt => '2026-11-23T10:00:00Z', durationSeconds => 5 }) };
my $until_all = sub { VoxfraFleet::until_all_answer(\@nodes, @_) };
# Answers to validate against docs/openapi.json at the end.
my @answers;
my $keep = sub {
    my ($route, $method, $res) = @_;
    push @answers, { name => "$method $route ($res->{status}, fleet node)", route => $route, method => lc $method,
                     status => $res->{status} + 0, body => $res->{json} // $res->{body} };
    return $res;
};
my $in_bucket = sub {
    my ($slug) = @_;
    my ($c, $o) = $nats->cli('endpoint', 'show', $slug, '--json');
    return $c == 0 ? $json->decode($o) : undef;
};
my $audit = sub {
    my ($i, $endpoint_id) = @_;
    my $res = $nodes[$i]->api_get('/v1/audit?limit=200', $admin[$i]);
    return [grep { $_->{endpoint} eq $endpoint_id } @{ $res->{json}{items} // [] }];
};

# Create through node 0: answered once the bucket holds it.
my $create = { org => 'acme', client => 'dental', provider => 'custom', hmac => JSON::PP::true() };
my $t0 = time;
my $res = $keep->('/v1/endpoints', 'POST',
    $nodes[0]->api_write('POST', '/v1/endpoints', $admin[0], $create, 'Idempotency-Key' => 'k-dental'));
my $took = time - $t0;
is($res->{status}, 201, 'create through node 0: 201') or diag $res->{body};
my $made = $res->{json};
my $in = $in_bucket->($made->{slug});
ok($in, 'the bucket holds it when the answer comes (read back with a NATS client)');
is($in && $in->{id}, $made->{endpoint}{id}, 'the same endpoint');
is($in && $in->{status}, 'active', 'active');
diag sprintf('create through the fleet answered in %.3f s', $took);
like($made->{secret} // '', qr/^\S{16,}$/, 'the secret voxfra made is in the answer, once');
is($made->{path}, "/webhooks/custom/$made->{slug}", 'with the URL path');

# The same answer as a node outside a fleet gives.
{
    my $solo = VoxfraTest->new;
    my $solo_admin = $solo->create_token(all => 1, role => 'admin')->{token};
    my $plain = $solo->api_write('POST', '/v1/endpoints', $solo_admin, $create)->{json};
    is_deeply([sort keys %$made], [sort keys %$plain], 'the answer has the members of a local create');
    is_deeply([sort keys %{ $made->{endpoint} }], [sort keys %{ $plain->{endpoint} }], 'and so has its endpoint');
}

my $got = $nodes[0]->api_get("/v1/endpoints/$made->{endpoint}{id}", $admin[0]);
is($got->{status}, 200, 'node 0 serves it right after its answer');
my $secs = $until_all->($made->{path}, 401, 10);    # signed endpoint, unsigned post: known, refused
ok(defined $secs && $secs < 2, sprintf('every node knows it within 2 s (%.2f s)', $secs // -1));

# A signed webhook to node 2 is accepted.
{
    my $payload = $body->('signed');
    my $ts = int time;
    my $post = $nodes[2]->post($made->{path}, $payload,
                               'X-Voxfra-Signature' => "t=$ts,v1=" . hmac_sha256_hex("$ts.$payload", $made->{secret}));
    is($post->{status}, 200, 'a signed webhook to node 2 is accepted') or diag $post->{body};
}

# The same request again with its Idempotency-Key: the first answer.
$res = $nodes[0]->api_write('POST', '/v1/endpoints', $admin[0], $create, 'Idempotency-Key' => 'k-dental');
is($res->{status}, 201, 'a retried create with its Idempotency-Key: 201');
is($res->{json}{endpoint}{id}, $made->{endpoint}{id}, 'the same endpoint, not a second');
is($res->{headers}{'idempotent-replayed'}, 'true', 'said to be replayed');

# A second active endpoint for the same org, client and provider, through node 2.
$res = $keep->('/v1/endpoints', 'POST', $nodes[2]->api_write('POST', '/v1/endpoints', $admin[2], $create));
is($res->{status}, 409, 'a duplicate create through node 2: 409');
is($res->{json}{reason}, 'conflict', 'conflict');
like($res->{json}{error}, qr/\Q$made->{endpoint}{id}\E/, 'naming the active endpoint');

# Disable through node 1: 404 everywhere within 2 s.
$res = $keep->('/v1/endpoints/{id}/disable', 'POST',
    $nodes[1]->api_write('POST', "/v1/endpoints/$made->{endpoint}{id}/disable", $admin[1]));
is($res->{status}, 200, 'disable through node 1: 200') or diag $res->{body};
is($res->{json}{endpoint}{status}, 'inactive', 'inactive');
is($in_bucket->($made->{slug})->{status}, 'inactive', 'in the bucket before the answer');
$secs = $until_all->($made->{path}, 404, 10);
ok(defined $secs && $secs < 2, sprintf('every node answers 404 within 2 s (%.2f s)', $secs // -1));

# Each change is in the audit log of the node it was made through, once.
my $a0 = $audit->(0, $made->{endpoint}{id});
is_deeply([map { $_->{action} } @$a0], ['create'], 'node 0: the create, once (the replay made none)');
is($a0->[0]{requestId}, $made->{requestId}, 'with the request id of the answer');
is($a0->[0]{actor}, 'fleet admin', 'and the token\'s name');
my $a1 = $audit->(1, $made->{endpoint}{id});
is_deeply([map { $_->{action} } @$a1], ['disable'], 'node 1: the disable, once');

# Node 0's daemon stopped: the change is answered "nothing was changed"
# within the wait, and never made later.
$daemons[0]->stop;
my $other = { org => 'acme', client => 'ortho', provider => 'vapi', hmac => JSON::PP::true() };
$t0 = time;
$res = $keep->('/v1/endpoints', 'POST', $nodes[0]->api_write('POST', '/v1/endpoints', $admin[0], $other));
$took = time - $t0;
is($res->{status}, 503, 'with node 0\'s daemon stopped: 503') or diag $res->{body};
is($res->{json}{reason}, 'fleet_unavailable', 'fleet_unavailable');
like($res->{json}{error}, qr/nothing was changed/, 'saying nothing was changed');
ok($took >= $wait - 0.1 && $took < $wait + 1.5, sprintf('answered at the end of the wait (%.2f s)', $took));
my $log_size = length $daemons[0]->log;
$daemons[0]->start;
ok($daemons[0]->wait_log(qr/info: connected/, 20, $log_size), 'the daemon is back');
sleep 1;    # several of its outbox rounds
my @ortho = grep { $_->{client} eq 'ortho' } @{ $nats->cli_json('endpoint', 'list') };
is(scalar @ortho, 0, 'the change is not made when the daemon comes back');
my $listed = $nodes[0]->api_get('/v1/endpoints?limit=100', $admin[0])->{json}{items} // [];
is(scalar(grep { $_->{client} eq 'ortho' } @$listed), 0, 'nor on the node');

# Node 2's daemon with a NATS user that may not write the bucket: it takes
# the change, the fleet never confirms it; 504 at the end of the wait, and
# nothing made.
$daemons[2]->stop;
$daemons[2] = $nats->daemon(db => $nodes[2]->db, node => 'node-2', user => 'reader');
ok($daemons[2]->wait_log(qr/info: connected/, 20), 'node 2 runs with a user that may not write the bucket');
my $denied = { org => 'acme', client => 'denied', provider => 'custom' };
$t0 = time;
$res = $keep->('/v1/endpoints', 'POST', $nodes[2]->api_write('POST', '/v1/endpoints', $admin[2], $denied));
$took = time - $t0;
is($res->{status}, 504, 'a change the fleet does not confirm in time: 504') or diag $res->{body};
is($res->{json}{reason}, 'fleet_unconfirmed', 'fleet_unconfirmed');
like($res->{json}{error}, qr/may have been made: check GET v1\/endpoints/, 'saying it may have been made, and where to look');
ok($took >= $wait - 0.1 && $took < $wait + 1.5, sprintf('answered at the end of the wait (%.2f s)', $took));
ok($daemons[2]->wait_log(qr/warn: API change \Q$res->{json}{requestId}\E \(504\)/, 15),
   'the daemon logs the change it could not confirm') or diag $daemons[2]->log;
is(scalar(grep { $_->{client} eq 'denied' } @{ $nats->cli_json('endpoint', 'list') }), 0,
   'and the server refused it: not in the bucket');

# And then it works again through node 0.
$res = $nodes[0]->api_write('POST', '/v1/endpoints', $admin[0], $other);
is($res->{status}, 201, 'with the daemon back, the same create: 201') or diag $res->{body};

for my $i (0 .. 2) {
    unlike($daemons[$i]->log, qr/\berror\b/, "node $i daemon logged no error") or diag $daemons[$i]->log;
}
$_->check_error_log for @nodes;
VoxfraTest::check_openapi(\@answers);

done_testing;
