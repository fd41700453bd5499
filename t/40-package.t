#!/usr/bin/env perl
# The Debian packages, installed as an operator would on this machine's own
# Debian NGINX: build them (scripts/package, or take VOXFRA_DEBS, a folder
# that holds them), `apt-get install ./...deb`, add the sample site to
# /etc/nginx/conf.d/, `nginx -t`, start or reload the system NGINX, create an
# endpoint with /usr/bin/voxfra, post a signed webhook, read it back; then
# `apt-get remove` (NGINX still starts, the module is no longer enabled, the
# store stays) and `apt-get purge` (the store is gone). /etc/nginx is put
# back as it was found, and NGINX left running or stopped as it was.
# Needs root, Debian's nginx, and no /var/lib/voxfra of someone else's.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Time::HiRes qw(time);
use VoxfraTest;

plan skip_all => 'the packages hold the plain build (scripts/test runs this test with it)' if VoxfraTest::sanitized();
plan skip_all => 'needs root (installs packages)' if $> != 0;
plan skip_all => 'needs Debian\'s nginx (/usr/sbin/nginx, /etc/nginx)' unless -x '/usr/sbin/nginx' && -d '/etc/nginx';
plan skip_all => '/var/lib/voxfra exists: purging would delete that store' if -e '/var/lib/voxfra';
plan skip_all => 'the voxfra packages are installed already'
    if `dpkg-query -W -f='\${Status}' voxfra libnginx-mod-http-voxfra 2>/dev/null` =~ /installed/;

my $root = VoxfraTest::root();
my $tmp = tempdir(CLEANUP => 1);
my @packages = qw(libnginx-mod-http-voxfra voxfra);

sub run { VoxfraTest::run_cmd(@_) }
sub apt {
    my ($code, $out, $err) = run('env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-y', '-q',
                                 '-o', 'DPkg::Lock::Timeout=300', @_);
    return ($code, "$out$err");
}

# --- as it was found --------------------------------------------------------
# Nothing to put back until the snapshot exists: a skip_all above also runs
# END, and must leave /etc/nginx alone.
my $snapshot_taken;
my ($code, $out) = run('tar', '-C', '/etc', '-cf', "$tmp/etc-nginx.tar", 'nginx');
die "cannot snapshot /etc/nginx: $out" if $code;
$snapshot_taken = 1;
sub nginx_master {
    open my $fh, '<', '/run/nginx.pid' or return;
    my $pid = <$fh> // '';
    chomp $pid;
    return unless $pid =~ /^\d+$/;
    # A master that has exited may stay a zombie where PID 1 does not reap.
    my $stat = eval { VoxfraTest::slurp("/proc/$pid/stat") } // "";
    return $stat =~ /^\d+ \(.*\) [^Z]/ ? $pid : undef;
}
my $was_running = nginx_master();
my $systemd = -d '/run/systemd/system';
note "systemd: ", ($systemd ? 'yes' : 'no, the nginx binary is used'), "; nginx running: ", ($was_running ? 'yes' : 'no');

# Start, reload or stop the system NGINX as its service manager would.
sub service {
    my ($action) = @_;
    if ($systemd) { return run('systemctl', $action, 'nginx') }
    return run('/usr/sbin/nginx', '-s', 'quit') if $action eq 'stop';
    return run('/usr/sbin/nginx', '-s', 'reload') if $action eq 'reload' && nginx_master();
    return run('/usr/sbin/nginx');
}
sub wait_gone {
    for (1 .. 300) { return 1 unless nginx_master(); sleep 0.1 }
    return 0;
}

my $restored;
sub restore {
    return if !$snapshot_taken || $restored++;
    run('env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-y', '-q', 'purge', @packages)
        if `dpkg-query -W -f='\${Status}' @packages 2>/dev/null` =~ /installed|config-files/;
    run('rm', '-rf', '/var/lib/voxfra');   # absent before (skip_all above)
    service('stop') if nginx_master() && !$was_running;
    wait_gone();
    run('rm', '-rf', '/etc/nginx');
    run('tar', '-C', '/etc', '-xf', "$tmp/etc-nginx.tar");
    service('reload') if $was_running;
}
END { restore() }
$SIG{INT} = $SIG{TERM} = sub { restore(); exit 1 };

# --- build ------------------------------------------------------------------
my $debs = $ENV{VOXFRA_DEBS};
if (!$debs) {
    $debs = "$tmp/debs";
    my $t0 = time;
    my ($c, $o, $e) = run('env', "VOXFRA_PACKAGE_OUT=$debs", "$root/scripts/package");
    is($c, 0, 'scripts/package builds the packages, lintian-clean') or diag "$o$e";
    note sprintf 'scripts/package took %.0f s', time - $t0;
}
my ($version) = `dpkg-parsechangelog -l $root/debian/changelog -S Version` =~ /(\S+)/;
my @debs = map { "$debs/${_}_${version}_" . `dpkg --print-architecture` =~ s/\s//gr . '.deb' } @packages;
ok(-f $_, "built $_") for @debs;

# --- install ----------------------------------------------------------------
my $t0 = time;
($code, $out) = apt('install', @debs);
is($code, 0, 'apt-get install ./...deb installs both, pulling what they depend on') or diag $out;
note sprintf 'apt-get install took %.1f s', time - $t0;

my ($abi) = `cat /usr/share/nginx/src/debian/libnginx-mod.abisubstvars` =~ /^nginx:abi=(\S+)/m;
like(`dpkg-query -W -f='\${Depends}' libnginx-mod-http-voxfra`, qr/(^|, )\Q$abi\E(,|$)/,
     "the module depends on $abi, the ABI of the nginx-dev it was built against");
my $enabled = '/etc/nginx/modules-enabled/50-mod-http-voxfra.conf';
is(readlink($enabled), '/usr/share/nginx/modules-available/mod-http-voxfra.conf', 'the module is enabled on install');
is(VoxfraTest::slurp('/usr/share/nginx/modules-available/mod-http-voxfra.conf'),
   "load_module modules/ngx_http_voxfra_module.so;\n", 'its snippet loads it');
ok(-f '/usr/lib/nginx/modules/ngx_http_voxfra_module.so', 'the module is in /usr/lib/nginx/modules');
my @st = stat '/var/lib/voxfra';
ok(@st, 'the store directory /var/lib/voxfra is made');
is(sprintf('%04o', $st[2] & 07777), '0700', 'it is 0700') if @st;
is(scalar getpwuid($st[4]), 'www-data', 'owned by the workers\' user') if @st;
is(`/usr/bin/voxfra --version`, "voxfra $version\n", '/usr/bin/voxfra is this release');
like(`man -P cat voxfra 2>/dev/null`, qr/voxfra endpoint create --org O/, 'man voxfra lists the commands');
like(`bash -c '. /usr/share/bash-completion/completions/voxfra; COMP_WORDS=(voxfra endpoint ""); COMP_CWORD=2; _voxfra; echo \${COMPREPLY[*]}'`,
     qr/\bcreate\b.*\brotate-secret\b/, 'bash completes voxfra endpoint <TAB>');
ok(-f '/usr/share/doc/voxfra/examples/voxfra.conf', 'the sample configuration is in the examples');
# The README links docs/...; they resolve beside it.
ok(-f '/usr/share/doc/voxfra/README.md' && -f '/usr/share/doc/voxfra/docs/design.md' && -f '/usr/share/doc/voxfra/docs/fleet.md',
   'the design documents are beside the README, where its links point');
is(`/usr/sbin/voxfra-fleet --version`, "voxfra-fleet $version\n", '/usr/sbin/voxfra-fleet is this release');
like(`man -P cat 8 voxfra-fleet 2>/dev/null`, qr/--nats-ca FILE/, 'man 8 voxfra-fleet lists its options');
SKIP: {
    skip 'no conf/examples/voxfra-fleet.service in this tree', 2 unless -f "$root/conf/examples/voxfra-fleet.service";
    ok(-f '/lib/systemd/system/voxfra-fleet.service', 'the fleet daemon\'s systemd unit is installed');
    ok(!-e '/etc/systemd/system/multi-user.target.wants/voxfra-fleet.service', 'and not enabled until configured');
}

# --- configure and run the system NGINX --------------------------------------
my $port = VoxfraTest::free_port();
my $site = VoxfraTest::slurp('/usr/share/doc/voxfra/examples/voxfra.conf');
$site =~ s/^(\s*)listen 8443;/${1}listen 127.0.0.1:$port;/m or die 'no listen line in the sample';
open my $fh, '>', '/etc/nginx/conf.d/voxfra.conf' or die $!;
print $fh $site;
close $fh;
# Debian's default site listens on port 80: out of the way when someone else
# holds it (put back with the rest of /etc/nginx).
if (!$was_running && !!IO::Socket::INET->new(PeerAddr => '127.0.0.1:80', Timeout => 1)) {
    note 'port 80 is taken: the default site is left out while the test runs';
    unlink '/etc/nginx/sites-enabled/default';
}
($code, $out) = (run('/usr/sbin/nginx', '-t'))[0, 2];
is($code, 0, 'nginx -t accepts the sample site') or diag $out;
($code, undef, $out) = service($was_running ? 'reload' : 'start');
is($code, 0, ($was_running ? 'the system NGINX reloads' : 'the system NGINX starts')) or diag $out;
my $ready;
# (each probe closed at once: a connection that never sends a request would
# hold a worker, and so a graceful stop, for client_header_timeout)
for (1 .. 100) { last if $ready = !!IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 1); sleep 0.1 }
ok($ready, "it listens on 127.0.0.1:$port");

# The secret file, readable by the workers' user only, as an operator keeps it.
my $secret = "$tmp/secret";
open $fh, '>', $secret or die $!;
print $fh "pkg-test-secret-" . join('', map { int rand 10 } 1 .. 24) . "\n";
close $fh;
chmod 0600, $secret;
chmod 0711, $tmp;
chown scalar(getpwnam 'www-data'), scalar(getgrnam 'www-data'), $secret;
my @as_workers = ('runuser', '-u', 'www-data', '--', '/usr/bin/voxfra', '--db', '/var/lib/voxfra');
my ($c, $o, $e) = run(@as_workers, 'endpoint', 'create', '--org', 'pkg', '--client', 'operator',
                      '--provider', 'custom', '--secret-file', $secret, '--json');
is($c, 0, '/usr/bin/voxfra creates an endpoint, as the workers\' user') or diag $e;
my $ep = eval { VoxfraTest->json->decode($o) } // {};
($c, $o, $e) = run('/usr/bin/voxfra', 'send-test', '--url', "http://127.0.0.1:$port$ep->{path}",
                   '--provider', 'custom', '--secret-file', $secret, '--call-id', 'pkg-call-1', '--json');
is($c, 0, 'a signed webhook is accepted') or diag "$o$e";
like($o, qr/"status":"accepted"/, 'its answer says accepted') or diag $o;
($c, $o, $e) = run(@as_workers, 'calls', 'show', '--call-id', 'pkg-call-1', '--json');
like($o, qr/"callId":"pkg-call-1"/, 'the call reads back from the store') or diag "$o$e";

# --- remove: the store stays ------------------------------------------------
unlink '/etc/nginx/conf.d/voxfra.conf';
($code, $out) = apt('remove', @packages);
is($code, 0, 'apt-get remove') or diag $out;
ok(!-e $enabled, 'the module is no longer enabled');
($code, $out) = (run('/usr/sbin/nginx', '-t'))[0, 2];
is($code, 0, 'nginx -t passes without it') or diag $out;
($code, undef, $out) = service('reload');
is($code, 0, 'NGINX still starts (reloads) without it') or diag $out;
ok(nginx_master(), 'and runs');
ok(-f '/var/lib/voxfra/data.mdb', 'the store stays after remove');

# --- purge: the store is gone ----------------------------------------------
($code, $out) = apt('purge', @packages);
is($code, 0, 'apt-get purge') or diag $out;
ok(!-e '/var/lib/voxfra', 'the store is gone after purge');
ok(!-e "$enabled.removed" && !-e $enabled, 'no link of the module is left in modules-enabled');

restore();
my ($after_code, $diff) = (run('sh', '-c', "mkdir $tmp/after && tar -C $tmp/after -xf $tmp/etc-nginx.tar && diff -r $tmp/after/nginx /etc/nginx"))[0, 1];
is($after_code, 0, '/etc/nginx is as it was found') or diag $diff;
is(!!nginx_master(), !!$was_running, 'NGINX is ' . ($was_running ? 'running' : 'stopped') . ' as it was found')
    or diag `cat /run/nginx.pid; ps -eo pid,ppid,stat,args | grep '[n]ginx: master'`;
done_testing;
