#!/usr/bin/env perl
# The README's first command from a clone NGINX's default user cannot reach:
# `git clone` into a 0700 directory (as root's home and mktemp -d are), then
# scripts/run there. It says it is running only once a test call was
# accepted; the curl it prints stores the sample report; the console
# answers; `scripts/run stop` stops it; and when NGINX cannot start it says
# so, with the error log's end, and exits non-zero.
#
# What this covers: scripts/run itself, the conf it writes, the module, CLI
# and store living inside the 0700 clone. Not the build: VOXFRA_RUN_PREBUILT
# copies this build's voxfra and module into the clone's build/ (a build
# from scratch takes minutes). The clone is of the current commit, with the
# working tree's uncommitted changes copied over it.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use File::Copy qw(copy);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use IO::Socket::INET;
use VoxfraTest;

my $root = VoxfraTest->root;
my $build = VoxfraTest->build;
plan skip_all => "$root is not a git checkout" unless -e "$root/.git";
# scripts/run starts NGINX itself, without the sanitizer runtime an
# instrumented module needs preloaded: the plain run of t/ covers it.
plan skip_all => 'scripts/run cannot load a module built with ASan' if VoxfraTest::sanitized();

my $outer = tempdir('voxfra-clone-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{VOXFRA_KEEP});
chmod 0700, $outer or die "chmod: $!";
my $clone = "$outer/voxfra";
my ($code, $out, $err) = VoxfraTest::run_cmd('git', 'clone', '-q', $root, $clone);
is($code, 0, 'git clone into a 0700 directory') or BAIL_OUT("git clone: $err");
($code, $out) = VoxfraTest::run_cmd('git', '-C', $root, 'ls-files', '-m', '-o', '--exclude-standard');
for my $file (split /\n/, $out) {
    next unless -f "$root/$file";
    make_path(dirname("$clone/$file"));
    copy("$root/$file", "$clone/$file") or die "copy $file: $!";
    chmod((stat "$root/$file")[2] & 07777, "$clone/$file");
}

# scripts/run of the clone, on a port of this test's, with the prebuilt
# artifacts (VOXFRA_BUILD of this run must not leak into the clone's).
sub run_script {
    my ($port, @args) = @_;
    local %ENV = %ENV;
    delete $ENV{VOXFRA_BUILD};
    $ENV{VOXFRA_RUN_PORT} = $port;
    $ENV{VOXFRA_RUN_PREBUILT} = $build;
    my ($code, $out, $err) = VoxfraTest::run_cmd("$clone/scripts/run", @args);
    return ($code, $out, $err);
}

my $stop_at_end = 0;
END { run_script(0, 'stop') if $stop_at_end }

# NGINX cannot start (its port is taken): no "running", the log's end, exit 1.
my $taken = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1) or die $!;
($code, $out, $err) = run_script($taken->sockport);
isnt($code, 0, 'scripts/run exits non-zero when NGINX cannot start');
unlike($out, qr/is running/, 'and does not say it is running');
like($err, qr/Address already in use/, "and shows the error log's end") or diag $err;
close $taken;

my $port = VoxfraTest::free_port();
$stop_at_end = 1;
($code, $out, $err) = run_script($port);
is($code, 0, 'scripts/run starts from the 0700 clone') or diag "$out\n$err";
like($out, qr{Voxfra ingest is running on http://127\.0\.0\.1:$port \(NGINX prefix \Q$clone\E/var, workers\s+running as \S+\); a test call to the demo endpoint was accepted},
     'says running, the prefix in the clone and which user the workers run as') or diag $out;
ok(-f "$clone/build/ngx_http_voxfra_module.so" && -f "$clone/var/data/voxfra/data.mdb",
   'the module and the store live inside the 0700 clone');
is((stat $outer)[2] & 07777, 0700, 'which is still 0700');

# The printed curl, as a user would paste it.
my ($curl) = $out =~ /^Post a sample Vapi end-of-call report:\n(\s*curl .*?\\\n.*?)\n/m;
ok($curl, 'it prints a curl') or diag $out;
$curl =~ s/\\\n//;
($code, my $answer) = VoxfraTest::run_cmd('sh', '-c', $curl);
like($answer, qr/"status":\s*"accepted"/, 'the printed curl stores the sample report') or diag "$curl\n$answer";

($code, my $console) = VoxfraTest::run_cmd('curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', "http://127.0.0.1:$port/console/");
is($console, '200', 'the console answers 200');

($code, $out) = run_script($port, 'stop');
is($code, 0, 'scripts/run stop');
$stop_at_end = 0;
ok(!IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 1), 'nothing listens any more');

done_testing;
