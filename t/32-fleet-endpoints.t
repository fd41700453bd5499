#!/usr/bin/env perl
# A fleet shares its endpoints (docs/fleet.md): `voxfra --nats ... endpoint`
# runs the same commands, with the same output, against the voxfra_endpoints
# bucket; every node's voxfra-fleet mirrors it, so that a change made
# anywhere is served by every node within 2 s; a restarted or empty node
# reconciles against a full snapshot; a revoke reaches every node within
# 30 s while the bucket's leader server is killed; a mirrored store refuses
# local endpoint writes, naming --nats; a malformed value or a record of a
# newer schema is logged once and skipped.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use VoxfraFleet;
use Time::HiRes qw(sleep time);

plan skip_all => 'nats-server or build/voxfra-fleet missing' unless VoxfraFleet::available();

my $json = VoxfraTest->json;
my $nats = VoxfraFleet->new(servers => 3);
my ($code, $out, $err) = $nats->init;
is($code, 0, 'fleet init') or BAIL_OUT($err);

my @nodes = map { VoxfraTest->new } 0 .. 2;
my @daemons = map { $nats->daemon(db => $nodes[$_]->db, node => "node-$_",
                                  args => $_ == 0 ? ['--reconcile-interval', '2s'] : []) } 0 .. 2;
ok($daemons[$_]->wait_log(qr/endpoints mirrored: 0/, 20), "node $_ mirrors the empty bucket")
    or diag $daemons[$_]->log for 0 .. 2;

my $body = sub { $json->encode({ callId => "c-$_[0]", startedAt => '2026-11-23T10:00:00Z', durationSeconds => 5 }) };
my $n = 0;
my $until_all = sub { VoxfraFleet::until_all_answer(\@nodes, @_) };

# Create through the fleet: the same answer as a local create.
my $ep = $nats->cli_json('endpoint', 'create', '--org', 'acme', '--client', 'dental', '--provider', 'custom',
                         '--rate-limit', 100000);
my $local = VoxfraTest->new(start => 0)->create_endpoint(provider => 'custom');
is_deeply([sort keys %$ep], [sort keys %$local], 'create --nats answers with the same fields as a local create');
my $secs = $until_all->($ep->{path}, 200, 10);
ok(defined $secs && $secs < 2, sprintf('every node accepts calls for it within 2 s (%.2f s)', $secs // -1));

my $shown = $nats->cli_json('endpoint', 'show', $ep->{slug});
is($shown->{id}, $ep->{id}, 'show --nats');
my $listed = $nats->cli_json('endpoint', 'list');
is(scalar(grep { $_->{slug} eq $ep->{slug} } @$listed), 1, 'list --nats');
($code, $out, $err) = $nats->cli('endpoint', 'list');
like($out, qr/\Q$ep->{id}\E/, 'list --nats as a table');

# A mirrored store refuses local endpoint writes.
($code, $out, $err) = $nodes[1]->cli('endpoint', 'create', '--org', 'x', '--client', 'y', '--provider', 'vapi');
is($code, 1, 'a local create on a fleet node fails');
like($err, qr/mirrored from the fleet.*--nats/, 'naming --nats') or diag $err;
($code, $out, $err) = $nodes[1]->cli('endpoint', 'disable', $ep->{slug});
like($err, qr/--nats/, 'so does a local disable');
is($nodes[1]->cli_json('endpoint', 'show', $ep->{slug})->{id}, $ep->{id}, 'reading locally still works');

# A change anywhere is served everywhere within 2 s.
$nats->cli_json('endpoint', 'disable', $ep->{slug});
$secs = $until_all->($ep->{path}, 404, 10);
ok(defined $secs && $secs < 2, sprintf('disable: every node answers 404 within 2 s (%.2f s)', $secs // -1));
$nats->cli_json('endpoint', 'enable', $ep->{slug});
$secs = $until_all->($ep->{path}, 200, 10);
ok(defined $secs && $secs < 2, sprintf('enable: every node accepts again within 2 s (%.2f s)', $secs // -1));

# --db beside --nats: the change is recorded in that store's audit log, once.
for my $action (qw(disable enable)) {
    ($code, $out, $err) = VoxfraTest::run_cmd(VoxfraTest->build . '/voxfra', '--db', $nodes[1]->db, $nats->admin_args,
                                              'endpoint', $action, $ep->{slug});
    is($code, 0, "$action --nats --db") or diag $err;
}
my $audited = $nodes[1]->cli_json('endpoint', 'audit', $ep->{slug});
is_deeply([map { $_->{action} } @$audited], [qw(enable disable)], 'both in the audit log of the store --db names');
like($audited->[0]{actor} // '', qr/^cli:/, 'by the CLI\'s user');
is(scalar @{ $nodes[0]->cli_json('endpoint', 'audit', $ep->{slug}) }, 0, 'and in no other node\'s');

# Runs six CLIs at once, `voxfra <nats flags> @{ $args->($i) }`; returns
# [exit code, stderr] of each.
my $batch = 0;
sub six_at_once {
    my ($args) = @_;
    my $tag = $nodes[0]->dir . '/at-once-' . ++$batch;
    my @kids;
    for my $i (1 .. 6) {
        my $pid = fork // die;
        if (!$pid) {
            my ($c, $o, $e) = $nats->cli(@{ $args->($i) });
            open my $fh, '>', "$tag-$i" or POSIX::_exit(1);
            print $fh "$c\n$e";
            close $fh;
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    waitpid($_, 0) for @kids;
    return map { [split /\n/, VoxfraTest::slurp("$tag-$_"), 2] } 1 .. 6;
}

# Two operators at once: each write either lands or is refused, never lost silently.
my ($landed, $refused) = (0, 0);
for (six_at_once(sub { ['endpoint', 'set', $ep->{slug}, '--rate-limit', 1000 + $_[0]] })) {
    my ($c, $e) = @$_;
    if ($c == 0) { $landed++ } elsif (($e // '') =~ /changed by someone else meanwhile/) { $refused++ }
}
is($landed + $refused, 6, "concurrent sets: $landed landed, $refused refused as conflicts, none failed otherwise");
ok($landed >= 1, 'at least one landed');

# Six operators create an endpoint for the same org, client and provider at
# once, from separate CLIs: one is made, the others are refused (the claim
# beside the endpoints, docs/fleet.md); four times, each once the last one
# made is revoked.
sub race_creates {
    my ($round) = @_;
    my ($made, $refused, @other) = (0, 0);
    for (six_at_once(sub { ['endpoint', 'create', '--org', 'acme', '--client', 'race', '--provider', 'vapi'] })) {
        my ($c, $e) = @$_;
        if ($c == 0) { $made++ }
        elsif (($e // '') =~ /already exists|by someone else meanwhile/) { $refused++ }
        else { push @other, $e }
    }
    my @active = grep { $_->{org} eq 'acme' && $_->{client} eq 'race' && $_->{status} eq 'active' }
                 @{ $nats->cli_json('endpoint', 'list') };
    is($made, 1, "round $round: one of six concurrent creates made an endpoint ($refused refused)")
        or diag join "\n", @other;
    is(scalar @active, 1, "round $round: the fleet holds one active endpoint for acme/race/vapi");
    return $active[0];
}
for my $round (1 .. 4) {
    my $raced = race_creates($round);
    $nats->cli_json('endpoint', 'revoke', $raced->{slug}) if $raced;
}

# A node whose daemon was down catches up from a snapshot at restart; so
# does a node that starts empty.
$daemons[2]->stop;
my $ep2 = $nats->cli_json('endpoint', 'create', '--org', 'acme', '--client', 'ortho', '--provider', 'custom',
                          '--rate-limit', 100000);
$nats->cli_json('endpoint', 'revoke', $ep->{slug});
is($nodes[2]->post($ep2->{path}, $body->(++$n))->{status}, 404, 'node 2, daemon down: the new endpoint is not there yet');
is($nodes[2]->post($ep->{path}, $body->(++$n))->{status}, 200, 'and the revoked one is still served as last mirrored');
$daemons[2]->start;
ok(VoxfraFleet::wait_until(10, sub { $nodes[2]->post($ep2->{path}, $body->(++$n))->{status} == 200 }),
   'restarted: serves the new endpoint');
is($nodes[2]->post($ep->{path}, $body->(++$n))->{status}, 404, 'and no longer the revoked one');
my $fresh = VoxfraTest->new;
my $d3 = $nats->daemon(db => $fresh->db, node => 'node-3');
ok(VoxfraFleet::wait_until(10, sub { $fresh->post($ep2->{path}, $body->(++$n))->{status} == 200 }),
   'an empty node serves the fleet\'s endpoints after its first snapshot');
is($fresh->post($ep->{path}, $body->(++$n))->{status}, 404, 'revoked there too');
($code, $out, $err) = $nats->cli('endpoint', 'enable', $ep->{slug});
like($err, qr/revoked and cannot be enabled/, 'a revoked endpoint cannot be enabled through the fleet either');

# A malformed value and a record from a newer schema: logged once, skipped.
my $from = length $daemons[0]->log;
$nats->kv_put_raw('garbage-key-0001', 'this is not an endpoint');
$nats->kv_put_raw('newer-schema-0001', "\x09" . ("\x01" x 40));
sleep 5;   # two reconcile intervals of node 0
my $log = substr($daemons[0]->log, $from);
my @skipped = $log =~ /(skipped: not an endpoint record)/g;
is(scalar @skipped, 2, 'each bad value logged once across reconciles') or diag $log;
ok($daemons[$_]->running, "daemon $_ still runs") for 0 .. 2;
is($nodes[0]->post($ep2->{path}, $body->(++$n))->{status}, 200, 'and the good endpoints are still served');

# The bound during a failure: the bucket's leader killed, then a revoke.
my $leader = $nats->stream_leader('KV_voxfra_endpoints');
ok(defined $leader, 'the bucket has a leader');
$nats->kill_server($leader);
my $t0 = time;
my $revoked = VoxfraFleet::wait_until(20, sub { my ($c) = $nats->cli('endpoint', 'revoke', $ep2->{slug}); $c == 0 });
ok($revoked, sprintf('revoked while a new leader is elected (%.1f s)', time - $t0));
$t0 = time;
my $gone = VoxfraFleet::wait_until(30, sub {
    for my $node (@nodes, $fresh) { return 0 unless $node->post($ep2->{path}, $body->(++$n))->{status} == 404 }
    1;
});
ok($gone, sprintf('every node refuses it within 30 s of the revoke (%.1f s)', time - $t0))
    or diag join "\n", (map { my $i = $_; "node $i: " . $nodes[$i]->post($ep2->{path}, $body->(++$n))->{status} } 0 .. $#nodes),
                       'fresh node: ' . $fresh->post($ep2->{path}, $body->(++$n))->{status},
                       map { "daemon log:\n" . $_->log } @daemons, $d3;
$nats->start_server($leader);

like($daemons[0]->log, qr/ info: connected/, 'the daemon logs its state changes');
my $signed = $nats->cli_json('endpoint', 'create', '--org', 'acme', '--client', 'signed', '--provider', 'custom',
                             '--hmac');
ok($signed->{secret}, 'an endpoint with a secret, made through the fleet');
ok(VoxfraFleet::wait_until(10, sub { $nodes[1]->post($signed->{path}, $body->(++$n))->{status} == 401 }),
   'mirrored with its secret (an unsigned call is refused 401)');
my $logs = join '', map { $_->log } @daemons, $d3;
unlike($logs, qr/\Q$signed->{secret}\E/, 'no endpoint secret in any daemon log');
unlike($logs, qr/\Q${\ $nats->password('node')}\E/, 'nor the NATS password');
$_->check_error_log for @nodes, $fresh;
done_testing;
