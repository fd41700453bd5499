#!/usr/bin/env perl
# The web console (console/) in headless Debian Chromium, served by NGINX
# beside the Management API: signing in with a token (a bad one refused),
# the endpoints, the recent calls and one call's summary and transcript as
# a person sees them, and a full-page screenshot that is a PNG of sensible
# size with something drawn on it. Chromium comes from Debian
# (`apt-get install chromium`), playwright-core from npm into
# t/console/node_modules; when either cannot be installed the checks are
# skipped, and say why.
use strict;
use warnings;
use utf8;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $json = VoxfraTest->json;
my $root = VoxfraTest->root;
my $chromium = $ENV{CHROMIUM} // '/usr/bin/chromium';

sub install_chromium {
    return (1, '') if -x $chromium;
    return (0, "skipped: $chromium is missing and installing needs root") if $> != 0;
    my $rc = system("DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium > /dev/null 2>&1");
    $rc = system("apt-get update -q > /dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium > /dev/null 2>&1")
        if $rc != 0;
    return -x $chromium ? (1, '') : (0, 'skipped: apt-get install chromium failed');
}

my ($ok, $why) = install_chromium();
($ok, $why) = VoxfraTest::npm_install("$root/t/console") if $ok;
plan skip_all => $why unless $ok;

# The example conf serves console/ (linked into the prefix) beside /api/.
my $t = VoxfraTest->new;

my $dental = $t->create_endpoint(org => 'acme', client => 'dental', provider => 'custom', args => ['--hmac']);
my $ortho = $t->create_endpoint(org => 'acme', client => 'ortho', provider => 'vapi');
my $globex = $t->create_endpoint(org => 'globex', client => 'main', provider => 'custom');
my $token = $t->create_token(org => 'acme', name => 'console test');
my $admin = $t->create_token(org => 'acme', role => 'admin', name => 'console admin');

# A call with a transcript and summary, signed (the endpoint has a secret).
use Digest::SHA qw(hmac_sha256_hex);
sub post_signed {
    my ($ep, $body) = @_;
    my $ts = time;
    my $sig = hmac_sha256_hex("$ts.$body", $ep->{secret});
    my $res = $t->post($ep->{path}, $body, 'X-Voxfra-Signature' => "t=$ts,v1=$sig");
    is($res->{status}, 200, 'call stored') or diag $res->{body};
}
post_signed($dental, $json->encode({
    callId => 'console-call-1', startedAt => '2026-11-23T10:00:00Z', durationSeconds => 95, outcome => 'completed',
    summary => 'The patient booked a cleaning for Tuesday at 3 pm.',
    turns => [{ role => 'agent', text => 'Bright Smile Dental, how can I help?' },
              { role => 'user', text => 'I would like to book a cleaning.' },
              { role => 'agent', text => 'Tuesday at 3 pm works. See you then!' }] }));
post_signed($dental, $json->encode({ callId => 'console-call-2', startedAt => '2026-11-23T11:00:00Z',
                                     durationSeconds => 12, outcome => 'no-answer' }));
my $res = $t->post($globex->{path}, $json->encode({ callId => 'globex-hidden-call', startedAt => '2026-11-23T10:00:00Z',
                                                    durationSeconds => 5 }));
is($res->{status}, 200, 'a globex call stored');
sleep 2;  # counters reach LMDB once a second

my $page = $t->request('GET', '/console/');
is($page->{status}, 200, 'NGINX serves the console');
like($page->{body}, qr/<title>Voxfra console<\/title>/, 'index.html');

my $shot = $t->dir . '/console.png';
local @ENV{qw(CONSOLE_URL TOKEN BAD_TOKEN CALL_ID SCREENSHOT CHROMIUM ADMIN_TOKEN ORG)} =
    ($t->url('/console/'), $token->{token}, 'vxt_0000000000000000_' . ('0' x 48), 'console-call-1', $shot, $chromium,
     $admin->{token}, 'acme');
my ($code, $out, $err) = VoxfraTest::run_cmd('node', "$root/t/console/check-console.js");
is($code, 0, 'Chromium drove the console') or diag $err;
my $seen = eval { $json->decode($out) } // {};

like($seen->{loginText} // '', qr/Sign in/, 'asks for a token first');
like($seen->{badTokenError} // '', qr/refused/, 'a bad token is refused on the page');
is($seen->{storedToken}, $token->{token}, 'the token is kept in sessionStorage');
like($seen->{orgs} // '', qr/acme.*dental.*ortho/s, 'organizations and clients');
unlike($seen->{pageText} // '', qr/globex/, 'nothing of another org on the page');

my %endpoint = map { $_->[0] => $_ } @{ $seen->{endpoints} // [] };
is_deeply([sort keys %endpoint], [sort $dental->{id}, $ortho->{id}], 'both acme endpoints listed');
my $d = $endpoint{ $dental->{id} } // [];
is($d->[1], 'dental', 'client');
is($d->[2], 'custom', 'provider');
is($d->[3], 'active', 'status');
is($d->[4], '2', 'requests');
unlike($d->[5] // '–', qr/^–$/, "last used ($d->[5])");
is($d->[6], 'on', 'HMAC on');
is($endpoint{ $ortho->{id} }[6], 'off', 'HMAC off');
is($d->[7], substr($dental->{slug}, 0, 6) . '…', 'a slug prefix, not the slug');
unlike($seen->{pageText} // '', qr/\Q$dental->{slug}\E|\Q$dental->{secret}\E/, 'no slug or secret on the page');

my @calls = map { $_->[3] } @{ $seen->{calls} // [] };
is_deeply(\@calls, ['console-call-2', 'console-call-1'], 'recent calls, newest first');
like($seen->{callTitle} // '', qr/console-call-1/, 'one call opened');
is($seen->{summary}, 'The patient booked a cleaning for Tuesday at 3 pm.', 'its summary');
is_deeply($seen->{turns}, ['agentBright Smile Dental, how can I help?', 'userI would like to book a cleaning.',
                           'agentTuesday at 3 pm works. See you then!'], 'its transcript, turn by turn');
like($seen->{facts} // '', qr/1m35s/, 'its duration');
ok($seen->{signedInAfterReload}, 'still signed in after a reload');
ok(!defined $seen->{tokenAfterSignOut}, 'signing out forgets the token');
is_deeply($seen->{problems} // ['no answer'], [], 'no script error and no CSP violation');

# The screenshot: what a person would see.
ok(-f $shot, 'a screenshot was taken');
my $png = -f $shot ? VoxfraTest::slurp($shot) : '';
is(substr($png, 0, 8), "\x89PNG\r\n\x1a\n", 'it is a PNG');
cmp_ok(length $png, '>', 20_000, 'of a sensible size (' . length($png) . ' bytes)');
my $img = $seen->{image} // {};
is($img->{width}, 1280, 'as wide as the window');
cmp_ok($img->{height} // 0, '>=', 900, "as tall as the page ($img->{height} px)");
cmp_ok($img->{colours} // 0, '>', 20, "not blank: $img->{colours} colours");
cmp_ok($img->{notBackground} // 0, '>', 0.2, sprintf('and %.0f%% of it is not the background', 100 * ($img->{notBackground} // 0)));
diag "screenshot: $shot (kept with VOXFRA_KEEP=1)";

is($seen->{readTokenWriteControls}, 0, 'a read token sees no write control');

# An admin token manages endpoints through the page; webhooks follow.
my $m = $seen->{manage} // {};
ok($m->{actionsHeader}, 'an admin token sees the Actions column');
like($m->{created}{url} // '', qr{^http://127\.0\.0\.1:\d+/webhooks/custom/[A-Za-z0-9_-]{32}$}, 'New endpoint shows its whole URL');
is($m->{copied}, $m->{created}{url}, 'Copy URL copies it');
is($m->{postNew}, 200, 'a webhook to the new URL is stored');
is($m->{postDisabled}, 404, 'Disable: the URL answers 404');
is($m->{postEnabled}, 200, 'Enable: stored again');
like($m->{replaced}{title} // '', qr/replacing ep_/, 'Revoke and replace (confirmed) shows the new URL');
is($m->{postOld}, 404, 'the old URL: 404');
is($m->{postReplacement}, 200, 'the new one: stored');
ok($m->{secretShown}, 'an HMAC endpoint shows its secret once');
is($m->{postSigned}, 200, 'signed with it: stored');
ok($m->{newSecretDiffers}, 'Rotate secret shows a new secret');
is($m->{postNewSecret}, 200, 'the new secret signs');
is($m->{postOldSecretInGrace}, 200, 'the old one still does, in its grace');
like($m->{allowError} // '', qr/nonsense.*not an IPv4/, 'a bad allowlist entry: the API\'s words on the page');
is($m->{postOutsideAllowlist}, 403, 'a good allowlist applies: 403 from outside it');
my $stored = $t->cli_json('endpoint', 'list', '--org', 'acme');
my ($signed) = grep { $_->{client} eq 'console-signed' } @$stored;
is_deeply($signed->{allow}, ['192.0.2.0/24'], 'the store has the allowlist');
my @slugs = map { $_->{slug} } grep { $_->{client} =~ /^console-/ } @$stored;
for my $slug (@slugs) {
    unlike($m->{pageText} // '', qr/\Q$slug\E/, 'after the page reloads its endpoints, no whole slug')
        if $slug ne ($m->{replaced}{url} =~ m{/([^/]+)$})[0] && $slug ne ($m->{created}{url} =~ m{/([^/]+)$})[0];
}

$t->check_error_log;
done_testing;
