#!/usr/bin/env perl
# The voxfra CLI against a real LMDB: endpoint lifecycle, listings, and a
# clear error with a non-zero exit for every misuse.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;

my $t = VoxfraTest->new(start => 0);   # the CLI alone; no NGINX needed
my $json = VoxfraTest->json;

my ($code, $out, $err) = $t->cli('calls', 'list');
isnt($code, 0, 'reading a database that does not exist fails');
like($err, qr/^voxfra: /m, 'with a message on stderr');

my $ep = $t->create_endpoint(org => 'acme', client => 'dental', provider => 'vapi');
like($ep->{slug}, qr/^[A-Za-z0-9_-]{32}$/, 'slug: 32 URL-safe characters');
is($ep->{path}, "/webhooks/vapi/$ep->{slug}", 'path');
like($ep->{id}, qr/^ep_[0-9a-f]{16}$/, 'public id');
is($ep->{status}, 'active', 'active');
ok(!$ep->{hmac} && !exists $ep->{secret}, 'no secret unless asked');

my $signed = $t->create_endpoint(org => 'acme', client => 'dental', provider => 'custom', args => ['--hmac']);
like($signed->{secret} // '', qr/^whsec_[A-Za-z0-9_-]{40,}$/, '--hmac prints a secret once');
ok($signed->{hmac}, 'hmac on');

($code, $out, $err) = $t->cli('endpoint', 'show', $signed->{slug});
is($code, 0, 'show');
unlike($out, qr/\Q$signed->{secret}\E/, 'show never prints the secret');
like($out, qr/hmac\W+(on|true|yes)/i, 'show says HMAC is on');

# One active endpoint per (org, client, provider).
($code, undef, $err) = $t->cli('endpoint', 'create', '--org', 'acme', '--client', 'dental', '--provider', 'vapi');
isnt($code, 0, 'a second active endpoint for the same triple is refused');
like($err, qr/\Q$ep->{id}\E|already/, 'the error names the existing endpoint');

# Lifecycle.
is(($t->cli('endpoint', 'disable', $ep->{slug}))[0], 0, 'disable');
is($t->cli_json('endpoint', 'show', $ep->{slug})->{status}, 'inactive', 'inactive after disable');
is(($t->cli('endpoint', 'enable', $ep->{slug}))[0], 0, 'enable');
is($t->cli_json('endpoint', 'show', $ep->{slug})->{status}, 'active', 'active after enable');

my $new = $t->cli_json('endpoint', 'replace', $signed->{slug});
isnt($new->{slug}, $signed->{slug}, 'replace issues a new slug');
like($new->{secret} // '', qr/^whsec_/, 'and a new secret, shown once');
isnt($new->{secret}, $signed->{secret}, 'a different secret');
is($t->cli_json('endpoint', 'show', $signed->{slug})->{status}, 'revoked', 'the old one is revoked');
is($new->{org} . '/' . $new->{client} . '/' . $new->{provider}, 'acme/dental/custom', 'same org, client, provider');
($code, undef, $err) = $t->cli('endpoint', 'enable', $signed->{slug});
isnt($code, 0, 'a revoked endpoint cannot be enabled');

my $list = $t->cli_json('endpoint', 'list');
is(scalar @$list, 3, 'list shows all three');
ok(!(grep { exists $_->{secret} } @$list), 'list never shows a secret');
is(scalar @{ $t->cli_json('endpoint', 'list', '--client', 'dental', '--provider', 'vapi') }, 1, 'filters');

($code, $out) = $t->cli('endpoint', 'list');
is($code, 0, 'human list');
like($out, qr/STATUS/, 'a table with a header');
like($out, qr/REQUESTS/, 'requests column');
like($out, qr/LAST USED/, 'last used column');
like($out, qr/HMAC/, 'HMAC column');

is_deeply($t->cli_json('calls', 'list'), [], 'no calls yet');

# Misuse: each a clear message and exit 2 (usage) or 1 (runtime).
my @misuse = (
    [[qw(endpoint create --org acme --client x)], 2, qr/provider/],
    [[qw(endpoint create --org acme --client x --provider skype)], 2, qr/skype/],
    [[qw(endpoint create --org), 'bad org!', qw(--client x --provider vapi)], 2, qr/org/],
    [[qw(endpoint create --org acme --client x --provider vapi --rate-limit -3)], 2, qr/rate-limit/],
    [[qw(endpoint create --org acme --client x --provider vapi --allow 10.0.0.0/33)], 2, qr/10\.0\.0\.0\/33/],
    # The module's own CIDR parser decides: a rule the CLI lists is one the module applies.
    [[qw(endpoint create --org acme --client x --provider vapi --allow 127.0.0.1/0032)], 2, qr/127\.0\.0\.1\/0032/],
    [[qw(endpoint show)], 2, qr/SLUG|slug/],
    [[qw(endpoint show nosuchslug)], 1, qr/no endpoint/],
    [[qw(endpoint frobnicate)], 2, qr/frobnicate/],
    [[qw(calls list --limit many)], 2, qr/limit/],
    [[qw(calls show zzz)], 2, qr/record/i],
    [[qw(nonsense)], 2, qr/nonsense/],
);
for my $case (@misuse) {
    my ($args, $want_code, $want_msg) = @$case;
    my ($c, undef, $e) = $t->cli(@$args);
    is($c, $want_code, "voxfra @$args exits $want_code");
    like($e, $want_msg, "voxfra @$args explains") or diag $e;
}
my ($c2, undef, $e2) = VoxfraTest::run_cmd(VoxfraTest->build . '/voxfra', 'endpoint', 'list');
isnt($c2, 0, 'no --db and no VOXFRA_DB is an error');
like($e2, qr/--db|VOXFRA_DB/, 'which says how to name the database');

# The man pages are made from --help (scripts/man-page): --version answers
# the release, and voxfra-fleet's --help explains every option its usage names.
for my $program ('voxfra', 'voxfra-fleet') {
    my ($code, $out) = VoxfraTest::run_cmd(VoxfraTest->build . "/$program", '--version');
    is($code, 0, "$program --version exits 0");
    like($out, qr/^\Q$program\E \d+\.\d+\.\d+\n\z/, "$program --version prints the release");
}
{
    my ($code, $help) = VoxfraTest::run_cmd(VoxfraTest->build . '/voxfra-fleet', '--help');
    is($code, 0, 'voxfra-fleet --help exits 0');
    my ($usage) = $help =~ /\A(usage:.*?)\n\n/s;
    my @named = $usage =~ /(--[a-z-]+)/g;
    my @missing = grep { my $o = $_; $help !~ /^\s+(?:-h, )?\Q$o\E\b/m && $help !~ /with \Q$o\E\b/ } @named;
    ok(@named > 5 && !@missing, 'voxfra-fleet --help explains every option of its usage') or diag "missing: @missing";
}
done_testing;
