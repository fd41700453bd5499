#!/usr/bin/env perl
# `nginx -s reload` and a binary upgrade (USR2, WINCH, QUIT of the old
# master) under load: every request gets its JSON answer; the zone's state
# (rate windows, idempotency keys) survives a reload, and the counters keep
# counting through both; and VOXFRA_RELOADS (100) reloads leak no file
# descriptor, LMDB mapping or memory in the master or the newest workers.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use VoxfraLoad;
use IO::Select;
use IO::Socket::INET;
use List::Util qw(min);
use Time::HiRes qw(sleep time);

my $reloads = $ENV{VOXFRA_RELOADS} // 100;
# Under ASan freed memory waits in its quarantine instead of being reused:
# the heap grows without a leak, so only fds and mappings are compared there.
my $sanitized = VoxfraTest::sanitized();
my $t = VoxfraTest->new(edit => sub {
    my $c = shift;
    $c =~ s{voxfra_rate_limit 1000 r/m;}{voxfra_rate_limit 1000000 r/m;} or die;
    $c;
});
my $ep = $t->create_endpoint(provider => 'custom', client => 'reloaded');
my $sent = 0;   # requests to $ep, which its counters must show in the end

sub some { my @a = @_; return join ' ', @a[0 .. min($#a, 9)] }

# nginx -s reload, then wait until the master has a new generation of
# workers and the old ones are gone; returns how long that took.
sub reload_settled {
    my $master = $t->master_pid;
    my %old = map { $_ => 1 } $t->worker_pids;
    my $start = time;
    my ($code, $out, $err) = VoxfraTest::run_cmd($t->nginx_cmd('-s', 'reload'));
    die "reload failed: $out$err" if $code;
    for (1 .. 400) {
        my @w = $t->worker_pids_of($master);
        return time - $start if @w == 2 && !grep { $old{$_} } @w;
        sleep 0.025;
    }
    die "no new generation of workers after a reload:\n" . $t->error_log;
}

# Every answer of a load was 200 accepted.
sub all_accepted {
    my ($answers, $name) = @_;
    my @failed = grep { !($answers->{$_}[0] == 200 && $answers->{$_}[1] eq 'accepted') } sort keys %$answers;
    ok(keys %$answers > 20 && !@failed, "$name: " . scalar(keys %$answers) . ' requests, every one answered 200 accepted')
        or diag join "\n", map { "$_: @{ $answers->{$_} }" } @failed[0 .. min($#failed, 9)];
    $sent += keys %$answers;
}

# LMDB's writer lock, held by mdb_load (inside its write transaction while
# it waits for data on stdin) until the returned handle is closed.
sub hold_writer_lock {
    my $pid = open(my $fh, '|-', 'mdb_load', '-s', 'meta', $t->db) or die "mdb_load: $!";
    $fh->autoflush(1);
    print $fh "VERSION=3\nformat=bytevalue\ntype=btree\nmapsize=1073741824\nHEADER=END\n";
    # The header is in the pipe before mdb_load reads: once it waits for
    # more with the store mapped, it is inside its transaction.
    for (1 .. 200) {
        my $wchan = do { local (@ARGV, $/) = "/proc/$pid/wchan"; <> } // '';
        my $maps = do { local (@ARGV, $/) = "/proc/$pid/maps"; <> } // '';
        return $fh if $wchan =~ /pipe/ && $maps =~ /data\.mdb/;
        sleep 0.025;
    }
    die 'mdb_load never waited for input';
}

sub send_only {
    my ($path, $body) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $t->port, Timeout => 5) or die "connect: $!";
    $s->syswrite("POST $path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
                 . "Content-Length: " . length($body) . "\r\n\r\n$body");
    return $s;
}

sub read_answer {
    my ($s, $wait) = @_;
    my $raw = '';
    my $sel = IO::Select->new($s);
    while ($sel->can_read($wait)) {
        my $n = sysread($s, my $buf, 65536);
        last unless $n;
        $raw .= $buf;
    }
    return VoxfraTest::parse_response($raw);
}

subtest 'the zone survives a reload: rate windows and idempotency keys' => sub {
    my $limited = $t->create_endpoint(provider => 'custom', client => 'limited', args => ['--rate-limit', '3']);
    is($t->post($limited->{path}, VoxfraLoad::body("limited-$_"))->{status}, 200, "limited call $_ passes") for 1 .. 3;
    my $first = $t->post($ep->{path}, VoxfraLoad::body('zone-1'));
    $sent++;
    is($first->{json}{status}, 'accepted', 'a call stored before the reload');
    reload_settled();
    is($t->post($limited->{path}, VoxfraLoad::body('limited-4'))->{status}, 429,
       'after the reload the endpoint is still over its rate (the window is in the zone)');

    # With LMDB's writer lock held elsewhere, only the zone can answer.
    my $lock = hold_writer_lock();
    my $blocked = send_only($ep->{path}, VoxfraLoad::body('zone-2'));
    my $none = read_answer($blocked, 1.5);
    is($none->{status}, 0, 'a new call waits for the writer lock (held by mdb_load)');
    my $t0 = time;
    my $again = VoxfraTest::parse_response('');
    my $dup = send_only($ep->{path}, VoxfraLoad::body('zone-1'));
    $again = read_answer($dup, 5);
    $sent += 2;
    is($again->{json}{status}, 'duplicate', 'a call stored before the reload is a duplicate at once, from the zone')
        or diag $again->{raw};
    is($again->{json}{recordId}, $first->{json}{recordId}, 'naming the stored record');
    ok(time - $t0 < 1, 'without waiting for LMDB');
    close $lock;
    my $late = read_answer($blocked, 10);
    is($late->{json}{status}, 'accepted', 'the waiting call is stored once the lock is released');
};

my ($master_before, $workers_before);
subtest "$reloads reloads under load" => sub {
    my $load = VoxfraLoad->start($t, path => $ep->{path}, clients => 3, seconds => 600, prefix => 'reload');
    reload_settled() for 1 .. 3;   # warm: the first reloads allocate what later ones reuse
    sleep 0.5;
    $master_before = VoxfraLoad::footprint($t->master_pid);
    $workers_before = [map { VoxfraLoad::footprint($_) } $t->worker_pids];
    my $half = int($reloads / 2);
    my @took = map { reload_settled() } 1 .. $half;
    sleep 0.5;
    my $master_half = VoxfraLoad::footprint($t->master_pid);
    my @workers_half = map { VoxfraLoad::footprint($_) } $t->worker_pids;
    push @took, map { reload_settled() } $half + 1 .. $reloads;
    sleep 0.5;
    $load->stop;
    all_accepted($load->answers, "$reloads reloads");
    diag sprintf('%d reloads, each settled (new workers up, old ones gone) in %.2f s on average, %.2f s at most',
                 $reloads, List::Util::sum(@took) / @took, List::Util::max(@took));

    my $master = VoxfraLoad::footprint($t->master_pid);
    my @workers = map { VoxfraLoad::footprint($_) } $t->worker_pids;
    is(scalar @workers, 2, 'two workers, no old one left behind');
    my $show = sub { my $f = shift; "$f->{fds} fds, $f->{data_maps}+$f->{lock_maps} LMDB maps, $f->{anon_kb} kB anon" };
    diag 'master before: ' . $show->($master_before) . "; after $half: " . $show->($master_half)
         . '; after all: ' . $show->($master);
    diag 'workers before: ' . join('; ', map { $show->($_) } @$workers_before)
         . "; after $half: " . join('; ', map { $show->($_) } @workers_half)
         . '; after all: ' . join('; ', map { $show->($_) } @workers);
    is($master->{fds}, $master_before->{fds}, 'the master holds as many fds as before');
    is($master->{data_maps} + $master->{lock_maps}, 0, 'the master maps no LMDB file');
    # Memory: bounded overall (a cache may fill once), and flat over the
    # second half of the reloads (a leak of a few kB a reload shows there).
    my $max_anon = sub { List::Util::max(map { $_->{anon_kb} } @_) };
    unless ($sanitized) {
        cmp_ok($master->{anon_kb}, '<=', $master_before->{anon_kb} + 4096, 'the master\'s heap grew by at most 4 MB');
        cmp_ok($master->{anon_kb}, '<=', $master_half->{anon_kb} + 512,
               "and by at most 512 kB over the last " . ($reloads - $half) . ' reloads');
        cmp_ok($max_anon->(@workers), '<=', $max_anon->(@$workers_before) + 4096,
               'a new worker\'s heap is at most 4 MB larger than before');
        cmp_ok($max_anon->(@workers), '<=', $max_anon->(@workers_half) + 512,
               "and at most 512 kB larger than after $half reloads");
    }
    for my $w (@workers) {
        cmp_ok($w->{fds}, '<=', List::Util::max(map { $_->{fds} } @$workers_before), 'a new worker holds no more fds');
        is($w->{data_maps}, 1, 'a new worker maps data.mdb once');
        is($w->{lock_maps}, 1, 'and lock.mdb once');
    }
};

subtest 'binary upgrade under load: USR2, WINCH, QUIT' => sub {
    my $before = $t->post($ep->{path}, VoxfraLoad::body('upgrade-1'));
    $sent++;
    is($before->{json}{status}, 'accepted', 'a call stored before the upgrade');
    my $old = $t->master_pid;
    my $load = VoxfraLoad->start($t, path => $ep->{path}, clients => 3, seconds => 120, prefix => 'upgrade');
    sleep 0.5;
    kill 'USR2', $old;
    my $new;
    for (1 .. 200) {
        $new = $t->master_pid;
        last if $new && $new != $old && $t->worker_pids_of($new) == 2;
        sleep 0.05;
    }
    isnt($new, $old, 'a new master') or diag $t->error_log;
    ok(-e $t->dir . '/logs/nginx.pid.oldbin', 'the old one named in nginx.pid.oldbin');
    sleep 0.5;   # both generations serve
    kill 'WINCH', $old;
    # The new master is a child of the old one too.
    my $old_workers = sub { grep { $_ != $new } $t->worker_pids_of($old) };
    for (1 .. 200) { last unless $old_workers->(); sleep 0.05 }
    is(scalar(my @w = $old_workers->()), 0, "WINCH: the old master's workers are gone");
    sleep 0.5;   # the new workers serve alone
    kill 'QUIT', $old;
    ok(VoxfraLoad::wait_gone($old), 'QUIT: the old master is gone');
    $t->{pid} = $new;
    sleep 0.3;
    $load->stop;
    all_accepted($load->answers, 'binary upgrade');
    my $again = $t->post($ep->{path}, VoxfraLoad::body('upgrade-1'));
    $sent++;
    is($again->{json}{status}, 'duplicate', 'a call stored before the upgrade is a duplicate after it (LMDB knows)');
    is($again->{json}{recordId}, $before->{json}{recordId}, 'naming the stored record');
};

subtest 'the counters counted every request through all of it' => sub {
    is($t->endpoint_counted($ep->{slug}, $sent)->{requests}, $sent, "$sent requests counted");
    my $stored = VoxfraLoad::stored($t, '');
    is_deeply($stored->{broken}, [], 'every record whole');
};

$t->check_error_log;
done_testing;
