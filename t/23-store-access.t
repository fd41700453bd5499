#!/usr/bin/env perl
# The workers' user must reach the store: with the store under a 0700
# directory of root's and workers running as another user, `nginx -t` fails
# and creates nothing, NGINX does not start, and a reload keeps the running
# configuration; each says so in one [emerg] that names the user, the store
# and the directory that stops it. Needs root (NGINX's `user` is ignored
# otherwise): skipped without it.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use VoxfraTest;

plan skip_all => 'needs root: NGINX switches its workers to another user only when started as root' if $> != 0;

my $locked = tempdir('voxfra-locked-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0700, $locked or die "chmod: $!";
my $store = "$locked/var/data/voxfra";
my $workers = getpwuid((getpwnam('nobody'))[2]) // 'nobody';

# The example conf with the store moved to $store, and `user` if given.
sub locked_conf {
    my ($user) = @_;
    return sub {
        my $conf = shift;
        $conf =~ s{voxfra_store data/voxfra}{voxfra_store $store} or die 'no voxfra_store line';
        $conf = "user $user;\n$conf" if $user;
        return $conf;
    };
}

# The one [emerg] line the check gives, with the parts the operator needs.
sub check_emerg {
    my ($output, $user, $name) = @_;
    my @emerg = grep { /\[emerg\]/ } split /\n/, $output;
    is(scalar @emerg, 1, "$name: one [emerg]") or diag $output;
    like($emerg[0] // '', qr/voxfra_store "\Q$store\E": the workers' user "\Q$user\E" cannot open the store: "\Q$locked\E" is 0700 root:\S+ and "\Q$user\E" needs search \(x\) permission there; move the store .*set "user"/,
         "$name: names the user, the store and the directory that stops it, and what to do");
    like($emerg[0] // '', qr/ in \S+nginx\.conf:\d+$/, "$name: and where voxfra_store is configured");
}

my $t = VoxfraTest->new(start => 0, edit => locked_conf());
$t->{db} = $store;

my ($code, $out) = $t->nginx_test;
isnt($code, 0, 'nginx -t fails: the workers (nobody) cannot reach the store');
check_emerg($out, $workers, 'nginx -t');
ok(!-e "$locked/var", 'nginx -t created nothing');

($code, my $stdout, my $stderr) = VoxfraTest::run_cmd($t->nginx_cmd());
isnt($code, 0, 'NGINX refuses to start');
if ($code == 0) { $t->{running} = 1; $t->stop }   # started after all: leave nothing behind
check_emerg($stderr, $workers, 'start');
ok(!$t->master_pid || !kill(0, $t->master_pid), 'no NGINX is left running');
ok(!-e "$locked/var", 'starting created nothing');

# NGINX's `user` names the workers' user.
$t->write_conf(locked_conf('daemon'));
($code, $out) = $t->nginx_test;
isnt($code, 0, 'with `user daemon;` nginx -t fails too');
check_emerg($out, 'daemon', 'user daemon');

# Searchable (0711): the same configuration starts, the workers store.
chmod 0711, $locked or die "chmod: $!";
$t->write_conf(locked_conf());
($code, $out) = $t->nginx_test;
is($code, 0, 'with the directory searchable (0711) nginx -t passes') or diag $out;
ok(!-e "$locked/var", 'and creates nothing');
$t->start;
my $ep = $t->create_endpoint(org => 'acme', client => 'c1', provider => 'vapi');
my $r = $t->post("/webhooks/vapi/$ep->{slug}", $t->fixture('tests/fixtures/vapi/end-of-call-report.json'));
is($r->{status}, 200, 'the workers store a call') or diag explain $r;
is($r->{json}{status}, 'accepted', 'accepted');

# Locked again: a reload is refused with the same [emerg] and the running
# configuration keeps serving.
# (The workers open the store after the fork: give both time to, first.)
sleep 1;
chmod 0700, $locked or die "chmod: $!";
my $before = length $t->error_log;
my @workers_before = sort $t->worker_pids;
$t->reload;
my $reload_log = '';
for (1 .. 50) {
    $reload_log = substr($t->error_log, $before);
    last if $reload_log =~ /\[emerg\]/;
    sleep 0.1;
}
check_emerg($reload_log, $workers, 'reload');
is_deeply([sort $t->worker_pids], \@workers_before, 'the old workers keep running');
$r = $t->post("/webhooks/vapi/$ep->{slug}", $t->fixture('tests/fixtures/vapi/end-of-call-report.json'));
is($r->{status}, 200, 'and keep serving') or diag explain $r;
$t->check_error_log('no other [alert], [emerg] or [crit]', qr/voxfra_store "\Q$store\E": the workers' user/);

$t->stop;
done_testing;
