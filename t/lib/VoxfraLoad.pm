package VoxfraLoad;

# Bounded load on loopback for the crash, reload and upgrade tests, and the
# checks that follow it. A load is a few client processes, each posting
# distinct `custom` calls one connection at a time until its deadline, and
# remembering every answer (call id, HTTP status, answer status, record id)
# in a file of its own. Core Perl only; it drives NGINX through VoxfraTest.

use strict;
use warnings;
use Carp qw(croak);
use POSIX ();
use Time::HiRes qw(sleep time);
use VoxfraTest;

my $JSON = VoxfraTest->json;
# Reading back thousands of records: Cpanel::JSON::XS (Debian's
# libcpanel-json-xs-perl, which scripts/test installs) when there, as JSON::PP
# takes milliseconds a record.
my $READ = eval { require Cpanel::JSON::XS; Cpanel::JSON::XS->new->utf8 } // $JSON;

# The body of call $id: its transcript is derived from the id, so that a
# stored record can be checked whole, not only for being there.
sub transcript { my ($id) = @_; return join ' ', ("Agent: call $id.") x 20 }

sub body {
    my ($id) = @_;
    return $JSON->encode({ callId => $id, startedAt => '2026-11-23T10:00:00Z', durationSeconds => 61,
                           transcript => transcript($id), variables => { id => $id } });
}

# One delivery; never dies. Returns [status, answer status, record id, error].
sub deliver {
    my ($t, $path, $id) = @_;
    my $res = eval { $t->post($path, body($id)) };
    return [0, '-', '-', ($@ =~ s/\s+/ /gr)] unless $res;
    my $j = $res->{json};
    return [$res->{status}, $j ? ($j->{status} // '-') : 'no-json', $j ? ($j->{recordId} // '-') : '-', ''];
}

# VoxfraLoad->start($t, path => P, clients => N, seconds => S, prefix => X)
# forks the clients; each posts calls "<prefix>-<client>-<n>" until S
# seconds have passed or stop() is called. Failed attempts back off 20 ms
# (NGINX may be down).
sub start {
    my ($class, $t, %o) = @_;
    my $dir = $t->dir . "/load-$o{prefix}";
    mkdir $dir or croak "$dir: $!";
    my $deadline = time + $o{seconds};
    my $stop = "$dir/stop";
    my @pids;
    for my $c (1 .. $o{clients}) {
        my $pid = fork // croak "fork: $!";
        if (!$pid) {
            open my $out, '>', "$dir/client-$c" or POSIX::_exit(1);
            $out->autoflush(1);
            for (my $n = 1; time < $deadline && !-e $stop; ++$n) {
                my $id = "$o{prefix}-$c-$n";
                my $a = deliver($t, $o{path}, $id);
                print $out join("\t", $id, @$a[0 .. 2], time), "\n";
                sleep 0.02 unless $a->[0] == 200;
            }
            close $out;
            POSIX::_exit(0);   # no destructors: the parent owns NGINX
        }
        push @pids, $pid;
    }
    return bless { dir => $dir, pids => \@pids, t => $t, path => $o{path} }, $class;
}

sub stop {
    my ($self) = @_;
    open my $fh, '>', "$self->{dir}/stop" or croak "$self->{dir}/stop: $!";
    close $fh;
}

# Waits for the clients; returns { id => [status, answer status, record id,
# the time the answer came] }.
sub answers {
    my ($self) = @_;
    waitpid $_, 0 for @{ $self->{pids} };
    my %answers;
    for my $file (glob "$self->{dir}/client-*") {
        open my $in, '<', $file or croak "$file: $!";
        while (my $line = <$in>) {
            chomp $line;
            my ($id, @a) = split /\t/, $line;
            $answers{$id} = \@a;
        }
    }
    return \%answers;
}

sub is_stored_answer { my ($a) = @_; return $a->[0] == 200 && ($a->[1] eq 'accepted' || $a->[1] eq 'duplicate') }

# Every stored record (`voxfra calls export`) of calls whose id starts with
# "$prefix-" (every one when $prefix is empty): { by_call => { call id => [records] }, broken => [lines that do
# not parse or miss a field, or whose transcript is not the one sent] }.
my @FIELDS = qw(id requestId receivedAt org client endpoint provider event callId startedAt endedAt
                durationSeconds transcript variables);
sub stored {
    my ($t, $prefix) = @_;
    my ($code, $out, $err) = $t->cli('calls', 'export');
    croak "voxfra calls export failed ($code): $err" if $code;
    my (%by_call, @broken);
    for my $line (split /\n/, $out) {
        my $r = eval { $READ->decode($line) };
        if (!$r || ref $r ne 'HASH') { push @broken, "unparsable: " . substr($line, 0, 200); next }
        next if length $prefix && ($r->{callId} // '') !~ /^\Q$prefix\E-/;
        my @missing = grep { !defined $r->{$_} } @FIELDS;
        push @broken, "$r->{callId} misses @missing" if @missing;
        push @broken, "$r->{callId} has another transcript"
            if defined $r->{transcript} && $r->{transcript} ne transcript($r->{callId});
        push @{ $by_call{ $r->{callId} } }, $r;
    }
    return { by_call => \%by_call, broken => \@broken };
}

# The pids of the LMDB reader table whose process is gone (`mdb_stat -r`).
sub dead_readers {
    my ($db) = @_;
    # (mdb_stat -r exits 1 even when it printed the table.)
    my ($code, $out, $err) = VoxfraTest::run_cmd('mdb_stat', '-r', $db);
    return ("mdb_stat failed: $err") unless $out =~ /Reader Table Status/;
    my @dead;
    for my $line (split /\n/, $out) {
        my ($pid) = $line =~ /^\s*(\d+)\s+[0-9a-f]+\s+\S+\s*$/ or next;
        push @dead, $pid unless alive($pid);
    }
    return @dead;
}

# A process that exists and is not a zombie.
sub alive {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $stat = <$fh> // return 0;
    my ($state) = $stat =~ /^\d+ \(.*\) (\S)/;
    return ($state // 'Z') ne 'Z';
}

sub wait_gone {
    my (@pids) = @_;
    for (1 .. 200) { return 1 unless grep { alive($_) } @pids; sleep 0.05 }
    return 0;
}

# What /proc says of a process: open fds, mappings of the LMDB files, and
# its anonymous resident memory in kB (RssAnon: the heap, not the pages of
# the LMDB map or of the binary, which grow with what was read).
sub footprint {
    my ($pid) = @_;
    my @fds = glob "/proc/$pid/fd/*";
    my ($data, $lock) = (0, 0);
    if (open my $maps, '<', "/proc/$pid/maps") {
        while (<$maps>) { $data++ if m{/data\.mdb$}; $lock++ if m{/lock\.mdb$} }
    }
    my $anon = 0;
    if (open my $status, '<', "/proc/$pid/status") {
        while (<$status>) { $anon = $1 if /^RssAnon:\s+(\d+)/ }
    }
    return { fds => scalar @fds, data_maps => $data, lock_maps => $lock, anon_kb => $anon };
}

1;
