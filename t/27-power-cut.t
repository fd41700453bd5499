#!/usr/bin/env perl
# A power cut, simulated. SIGKILL (t/20) leaves the page cache to the kernel,
# which writes it out anyway; a machine that loses power keeps only what was
# synced. So the store lives on powercut_fs (tests/powercut/powercut_fs.cpp):
# a FUSE file system over a backing directory that keeps every write in
# memory until fsync or fdatasync covers it, and on command drops all of that
# and fails every later operation. Under load (distinct calls, every answer
# remembered with the time it came), at a random moment, the power goes: at
# once, or in the middle of the next sync (which then writes a random part of
# its pages). NGINX is SIGKILLed, the file system unmounted and mounted again
# over what the backing directory holds, and the store opened as after a
# reboot: `voxfra store info` and `mdb_stat` open it cleanly, every record
# reads back whole, nothing is stored twice, and
#   - durability=fsync: every call answered `accepted`, before the cut or
#     after it, is there;
#   - durability=os, cut at once: what is lost was answered at most one sync
#     interval (100 ms, plus the timer's and the sync's own delay: 0.5 s in
#     all) before the cut.
# The cuts go on over the same store, NGINX started again on it each time.
# A cut in the middle of durability=os's sync is shown too, as a TODO: LMDB's
# MDB_NOSYNC does not keep the store whole then (docs/design.md, "Storage").
#
# LMDB's lock file (lock.mdb) holds no durable state (readers, the writer's
# mutex) and needs a shared writable mapping, which a FUSE file is not for:
# it is a symlink to a file on tmpfs (/dev/shm), emptied at each cut as a
# reboot would.
#
# Skips, saying why, where powercut_fs is not built (no libfuse3-dev) or
# FUSE cannot mount (no /dev/fuse, or a container without the right).
#   VOXFRA_POWERCUT_CUTS ("5 3"): cuts for durability=fsync, then os
#   VOXFRA_POWERCUT_CLIENTS (4)
#   VOXFRA_POWERCUT_BREAK=1: the durability=fsync case runs NGINX with
#     durability=os, to see this test fail when commits are not synced
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
# After the cut, a worker that reads a page of the store not in memory gets
# EIO from the file system, which the kernel delivers on a mapped file as
# SIGBUS: the worker dies, as every process on a machine that lost power
# would. Under ASan (scripts/test-asan-module) that is no memory error to
# report, so its SIGBUS handler is off for this test's NGINX. The CLI's too:
# a store torn in durability=os's sync (the TODO below) is refused on open
# when pages are missing at its end, but LMDB reads it blind otherwise; a
# CLI that dies reading a store fails the checks here in the plain run.
BEGIN {
    $ENV{VOXFRA_NGINX_ENV} =~ s/\bASAN_OPTIONS=(\S+)/ASAN_OPTIONS=$1:handle_sigbus=0/ if $ENV{VOXFRA_NGINX_ENV};
    $ENV{ASAN_OPTIONS} .= ':handle_sigbus=0' if $ENV{ASAN_OPTIONS};
}
use VoxfraTest;
use VoxfraLoad;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use List::Util qw(max min);
use POSIX ();
use Time::HiRes qw(sleep time);

my $FS = VoxfraTest::build() . '/powercut_fs';
plan skip_all => "$FS is not built (CMake found no libfuse3: apt-get install libfuse3-dev fuse3)" unless -x $FS;
plan skip_all => 'no /dev/fuse: FUSE cannot mount here' unless -c '/dev/fuse';
my $FUSERMOUNT = (grep { -x } map { "$_/fusermount3" } split /:/, $ENV{PATH})[0];
plan skip_all => 'no fusermount3 (apt-get install fuse3)' unless $FUSERMOUNT;

my @cuts = split ' ', $ENV{VOXFRA_POWERCUT_CUTS} // '5 3';
my $clients = $ENV{VOXFRA_POWERCUT_CLIENTS} // 4;
my $break = $ENV{VOXFRA_POWERCUT_BREAK};
# What durability=os may lose: the calls answered since the last sync, which
# one worker runs every 100 ms (kSyncInterval) on the thread pool; the rest
# is the timer's lateness and the sync's own time on a busy machine.
my $OS_WINDOW = 0.5;

sub some { my @a = @_; return join ' ', @a[0 .. min($#a, 9)] }

sub mounted {
    my ($dir) = @_;
    open my $fh, '<', '/proc/self/mounts' or return 0;
    return scalar grep { (split ' ')[1] eq $dir } <$fh>;
}

# Mounts powercut_fs; returns its pid, or (undef, why) when FUSE will not mount.
sub mount_fs {
    my ($backing, $dir, $log) = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>>', $log or POSIX::_exit(126);
        open STDERR, '>>', $log or POSIX::_exit(126);
        # allow_other: the workers run as nobody; default_permissions: the
        # kernel checks modes and owners as on any file system.
        exec($FS, $backing, $dir, '-f', '-o', 'allow_other,default_permissions') or POSIX::_exit(127);
    }
    for (1 .. 100) {
        return $pid if mounted($dir);
        last if waitpid($pid, POSIX::WNOHANG()) == $pid;
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
    my $why = VoxfraTest::slurp($log) =~ s/\s+$//r;
    return (undef, $why || 'it did not mount within 5 s');
}

sub unmount_fs {
    my ($pid, $dir) = @_;
    system($FUSERMOUNT, '-u', $dir) == 0 or system($FUSERMOUNT, '-u', '-z', $dir);
    waitpid $pid, 0;
    return !mounted($dir);
}

sub switch_says { my ($dir) = @_; return eval { VoxfraTest::slurp("$dir/.powercut") } // '' }

# Cuts the power ($how: `cut`, `cut-in-sync`); returns what powercut_fs says
# of it once it happened, '' when it did not within 5 s.
sub cut_power {
    my ($dir, $how) = @_;
    open my $fh, '>', "$dir/.powercut" or die "$dir/.powercut: $!";
    syswrite($fh, "$how\n") or die "cut: $!";
    close $fh;
    my $t0 = time;
    for (1 .. 500) {
        my $said = switch_says($dir);
        return $said if $said =~ /^cut/;
        sleep 0.01;
    }
    my $said = eval { VoxfraTest::slurp("$dir/.powercut") };
    diag sprintf "armed at %.3f, gave up at %.3f; the switch now says '%s' (%s)", $t0, time, $said // '', $@;
    return '';
}

# The store on powercut_fs, NGINX started over it: { t, ep, disk, mnt, log, tmpfs, mount }.
# Skips the caller's subtest when FUSE will not mount.
sub rig {
    my ($durability, $client) = @_;
    my $t = VoxfraTest->new(start => 0, edit => sub {
        my $c = shift;
        $c =~ s/(voxfra_store [^;]*)durability=fsync/$1durability=$durability/ or die;
        $c =~ s{voxfra_rate_limit 1000 r/m;}{voxfra_rate_limit 1000000 r/m;} or die;
        $c;
    });
    # data/, where the store goes, is powercut_fs over disk/.
    my $r = { t => $t, disk => $t->dir . '/disk', mnt => $t->dir . '/data', log => $t->dir . '/logs/powercut_fs.log' };
    $r->{tmpfs} = tempdir('voxfra-lock-XXXXXX', DIR => (-d '/dev/shm' && -w _ ? '/dev/shm' : $t->dir),
                          CLEANUP => !$ENV{VOXFRA_KEEP});
    chmod 0755, $r->{tmpfs};   # the workers (nobody) open the lock file
    make_path($r->{disk});
    mkdir "$r->{disk}/voxfra", 0700 or die "$r->{disk}/voxfra: $!";
    symlink("$r->{tmpfs}/lock.mdb", "$r->{disk}/voxfra/lock.mdb") or die "symlink: $!";
    (my $fs, my $why) = mount_fs($r->{disk}, $r->{mnt}, $r->{log});
    if (!$fs) {
        plan skip_all => "FUSE cannot mount here: $why";
        return;
    }
    # Unmounted when the rig goes (the guard holds the mount, not the rig).
    my $mount = $r->{mount} = { fs => $fs, dir => $r->{mnt} };
    $r->{unmount} = VoxfraTest::Guard->new(sub { $t->stop; unmount_fs($mount->{fs}, $mount->{dir}) });
    $t->start;
    $r->{ep} = $t->create_endpoint(provider => 'custom', client => $client);
    return $r;
}

# One power cut under load ($how: `cut` or `cut-in-sync`), NGINX killed, the
# reboot. Returns the load's answers and the time of the cut.
sub power_cut {
    my ($r, $round, $how) = @_;
    my $t = $r->{t};
    my $load = VoxfraLoad->start($t, path => $r->{ep}{path}, clients => $clients, seconds => 60,
                                 prefix => "cut$round");
    sleep 0.7 + rand 1.5;
    my $said = cut_power($r->{mnt}, $how);
    ok($said, "round $round: the power is cut ($how)") or diag switch_says($r->{mnt});
    my ($at) = $said =~ /\bat=(\d+\.\d+)/;
    # A moment on a dead disk: nothing may be answered `accepted` now.
    sleep 0.2;
    my @nginx = grep { $_ } ($t->master_pid, $t->worker_pids);
    kill 'KILL', @nginx;
    ok(VoxfraLoad::wait_gone(@nginx), "round $round: NGINX killed");
    $t->{running} = 0;
    $load->stop;
    my $answers = $load->answers;

    # The reboot: tmpfs is empty, the disk holds what was synced.
    ok(unmount_fs($r->{mount}{fs}, $r->{mnt}), "round $round: unmounted");
    unlink "$r->{tmpfs}/lock.mdb";
    (my $fs, my $why) = mount_fs($r->{disk}, $r->{mnt}, $r->{log});
    $fs or BAIL_OUT("powercut_fs will not mount again: $why");
    $r->{mount}{fs} = $fs;
    return ($answers, $at // time);
}

# The store after the reboot: it opens cleanly; returns what it holds (VoxfraLoad::stored).
sub check_store {
    my ($r, $round) = @_;
    my $t = $r->{t};
    my ($code, $out, $err) = $t->cli('store', 'info');
    is($code, 0, "round $round: voxfra store info opens the store") or diag $err;
    ($code, $out, $err) = VoxfraTest::run_cmd('mdb_stat', '-a', $t->db);
    ok($code == 0 && $out =~ /Status of calls/, "round $round: mdb_stat reads every database")
        or diag "$code: $err";
    return eval { VoxfraLoad::stored($t, '') } // { by_call => {}, broken => ["calls export: $@"] };
}

sub accepted { my ($answers) = @_; return grep { $answers->{$_}[0] == 200 && $answers->{$_}[1] eq 'accepted' } sort keys %$answers }

# What every cut must leave: records whole, each once, nothing unsent, each
# under the record id its answer named.
sub check_records {
    my ($round, $answers, $stored) = @_;
    is_deeply($stored->{broken}, [], "round $round: every record reads back whole");
    my @twice = grep { @{ $stored->{by_call}{$_} } != 1 } keys %{ $stored->{by_call} };
    is(scalar @twice, 0, "round $round: no call is stored twice") or diag 'twice: ' . some(@twice);
    my @strange = grep { !exists $answers->{$_} } keys %{ $stored->{by_call} };
    is(scalar @strange, 0, "round $round: nothing stored that was not sent") or diag some(@strange);
    my @moved = grep { $stored->{by_call}{$_} && $stored->{by_call}{$_}[0]{id} ne $answers->{$_}[2] }
                accepted($answers);
    is(scalar @moved, 0, "round $round: each under the record id its answer named") or diag some(@moved);
}

sub summary {
    my ($r, $what, $answers) = @_;
    diag sprintf('%s: %d requests, %d accepted', $what, scalar keys %$answers, scalar accepted($answers));
    diag "powercut_fs said:\n" . VoxfraTest::slurp($r->{log});
}

my ($fsync_cuts, $os_cuts) = @cuts;
if ($fsync_cuts) {
    subtest "durability=fsync: $fsync_cuts power cuts under load, nothing accepted is lost" => sub {
        my $runs_as = $break ? 'os' : 'fsync';
        my $r = rig($runs_as, 'powercut-fsync') or return;
        my %answers;
        for my $round (1 .. $fsync_cuts) {
            my ($got, $at) = power_cut($r, $round, rand() < 0.5 ? 'cut' : 'cut-in-sync');
            my $stored = check_store($r, $round);
            @answers{ keys %$got } = values %$got;
            check_records($round, \%answers, $stored);
            my @accepted = accepted(\%answers);
            my @lost = grep { !$stored->{by_call}{$_} } @accepted;
            ok(scalar(accepted($got)) > 0, "round $round: calls accepted before the cut");
            # Every round so far: a later recovery must not lose an earlier one's calls either.
            is(scalar @lost, 0, "round $round: every call answered accepted is stored")
                or diag scalar(@lost) . ' lost: ' . some(@lost);
            $r->{t}->start if $round < $fsync_cuts;
        }
        summary($r, "durability=fsync (NGINX at durability=$runs_as): $fsync_cuts power cuts", \%answers);
    };
}

if ($os_cuts) {
    subtest "durability=os: $os_cuts power cuts under load, each loses at most the last sync interval" => sub {
        my $r = rig('os', 'powercut-os') or return;
        my (%answers, @lost_by_cut);
        for my $round (1 .. $os_cuts) {
            my ($got, $at) = power_cut($r, $round, 'cut');
            my $stored = check_store($r, $round);
            @answers{ keys %$got } = values %$got;
            check_records($round, \%answers, $stored);
            ok(scalar(accepted($got)) > 0, "round $round: calls accepted before the cut");
            my @lost = grep { !$stored->{by_call}{$_} } accepted($got);
            # How long before the cut each lost call was answered.
            my $oldest = max(0, map { $at - $got->{$_}[3] } @lost);
            cmp_ok($oldest, '<=', $OS_WINDOW, sprintf('round %d: %d calls lost, answered at most %.0f ms '
                   . 'before the cut', $round, scalar @lost, 1000 * $oldest));
            push @lost_by_cut, sprintf '%d (%.0f ms)', scalar @lost, 1000 * $oldest;
            $r->{t}->start if $round < $os_cuts;
        }
        summary($r, "durability=os: $os_cuts power cuts, each lost (answered at most before it) "
                . join(', ', @lost_by_cut), \%answers);
    };

    # LMDB's MDB_NOSYNC writes each commit's meta page at once and leaves
    # the order of the writes to the page cache; pages of older commits are
    # reused meanwhile. A cut that tears durability=os's sync can so keep a
    # meta page without the pages it names.
    subtest 'durability=os: a power cut in the middle of its sync' => sub {
        my $r = rig('os', 'powercut-os-sync') or return;
        my ($got) = power_cut($r, 1, 'cut-in-sync');
      TODO: {
            local $TODO = 'LMDB promises nothing of MDB_NOSYNC when a sync is torn';
            check_records(1, $got, check_store($r, 1));
        }
        summary($r, 'durability=os, the power cut in its sync', $got);
    };
}

done_testing;

package VoxfraTest::Guard;
sub new { my ($class, $f) = @_; return bless { f => $f }, $class }
sub DESTROY { local ($?, $!, $@); $_[0]{f}->() }
