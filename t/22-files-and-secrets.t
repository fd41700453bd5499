#!/usr/bin/env perl
# Files and secrets: the LMDB directory is made 0700 and its files 0600,
# owned by NGINX's workers' user, whether the master or the CLI creates it
# (under umask 0, so the modes are the code's, not the umask's); the CLI
# refuses a store it cannot open or lock and says why; no secret, made,
# rotated, replaced or wrong, reaches the error or access log; and slugs are
# masked wherever NGINX logs the request line or the URI.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use Digest::SHA qw(hmac_sha256_hex);
use Time::HiRes qw(sleep);
use File::Path qw(make_path remove_tree);

my $json = VoxfraTest->json;
my $root = $> == 0;

sub mode { my @st = stat $_[0] or return -1; return $st[2] & 07777 }
sub owner { my @st = stat $_[0] or return -1; return $st[4] }
# The workers' uid. A worker just forked by a root master is still root
# for a moment before it takes its user: wait for that.
sub worker_uid {
    my ($t) = @_;
    my $uid = -1;
    for (1 .. 60) {
        my ($pid) = $t->worker_pids;
        if ($pid && open my $fh, '<', "/proc/$pid/status") {
            while (<$fh>) { if (/^Uid:\s+(\d+)/) { $uid = $1; last } }
        }
        return $uid if $uid > 0 || ($uid == 0 && $> != 0);
        sleep 0.05;
    }
    return $uid;
}
sub with_umask { my ($mask, $code) = @_; my $old = umask $mask; my @r = $code->(); umask $old; return @r }
sub custom_body { $json->encode({ callId => $_[0], startedAt => '2026-11-23T10:00:00Z', durationSeconds => 3 }) }
sub sign { my ($secret, $body, $ts) = @_; $ts //= time; return "t=$ts,v1=" . hmac_sha256_hex("$ts.$body", $secret) }

sub modes_ok {
    my ($db, $uid, $who) = @_;
    is(sprintf('%04o', mode($db)), '0700', "$who: the store directory is 0700");
    for my $f ('data.mdb', 'lock.mdb') {
        is(sprintf('%04o', mode("$db/$f")), '0600', "$who: $f is 0600");
    }
    return unless defined $uid;
    is(owner($_), $uid, "$who: " . ($_ =~ s{.*/}{}r) . " belongs to uid $uid") for $db, "$db/data.mdb", "$db/lock.mdb";
}

subtest 'the master creates the store for its workers' => sub {
    my $t = VoxfraTest->new(start => 0, edit => sub {
        my $c = shift;
        $c =~ s{voxfra_store data/voxfra }{voxfra_store data/new/deeper/voxfra } or die;
        $c;
    });
    $t->{db} = $t->dir . '/data/new/deeper/voxfra';
    with_umask(0, sub { $t->start });
    my $uid = worker_uid($t);
    modes_ok($t->db, $root ? $uid : undef, 'made by the master');
    is(sprintf('%04o', mode($t->dir . "/data/$_")), '0755', "a parent it made ($_) is 0755, for the workers to reach")
        for 'new', 'new/deeper';
    my $ep = $t->create_endpoint(provider => 'custom');
    is($t->post($ep->{path}, custom_body('files-1'))->{json}{status}, 'accepted', 'the workers store calls there');
    modes_ok($t->db, $root ? $uid : undef, 'after the CLI wrote to it');
    $t->check_error_log;
    $t->stop;
};

subtest 'the CLI creates it the same way; NGINX hands it to its workers' => sub {
    my $t = VoxfraTest->new(start => 0);
    my ($code, $out, $err) = with_umask(0, sub { $t->cli('endpoint', 'create', '--org', 'a', '--client', 'b',
                                                          '--provider', 'custom', '--json') });
    is($code, 0, 'endpoint create makes the store') or diag $err;
    my $ep = $json->decode($out);
    modes_ok($t->db, $>, 'made by the CLI');
    with_umask(0, sub { $t->start });
    modes_ok($t->db, $root ? worker_uid($t) : undef, 'once NGINX started');
    is($t->post($ep->{path}, custom_body('files-2'))->{json}{status}, 'accepted', 'the workers store calls there');
    $t->check_error_log;
    $t->stop;
};

subtest 'the CLI refuses a store it cannot open or lock, and says why' => sub {
    my $t = VoxfraTest->new(start => 0);
    my $db = $t->db;
    my ($code) = $t->cli('endpoint', 'create', '--org', 'a', '--client', 'b', '--provider', 'custom');
    is($code, 0, 'a store');
    my $refused = sub {
        my ($name, $reason, $as_nobody) = @_;
        for my $command (['calls', 'list'], ['endpoint', 'create', '--org', 'a', '--client', 'c', '--provider', 'vapi']) {
            my @cmd = (VoxfraTest->build . '/voxfra', '--db', $db, @$command);
            unshift @cmd, 'setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--' if $as_nobody;
            my ($c, $o, $e) = VoxfraTest::run_cmd(@cmd);
            isnt($c, 0, "$name: `@$command[0,1]` fails");
            is($o, '', "$name: and prints nothing on stdout");
            like($e, qr/\Q$db\E/, "$name: stderr names the store") or diag $e;
            like($e, $reason, "$name: and says why") or diag $e;
            unlike($e, qr/\n.+\n/, "$name: in one line") or diag $e;
        }
    };
    SKIP: {
        skip 'runs as nobody: needs root', 10 unless $root;
        $refused->('another user\'s 0700 store', qr/Permission denied/, 1);
        system('chown', '-R', 'nobody:nogroup', $db) == 0 or die;
        chmod 0400, "$db/lock.mdb";
        $refused->('a lock file it cannot write', qr/Permission denied/, 1);
        chmod 0600, "$db/lock.mdb";
        system('chown', '-R', "$>:$)", $db) == 0 or die;
    }
    unlink "$db/lock.mdb" or die;
    mkdir "$db/lock.mdb" or die;
    $refused->('a lock file that is a directory', qr/Is a directory/);
    rmdir "$db/lock.mdb" or die;
    ($code) = $t->cli('calls', 'list');
    is($code, 0, 'the store opens again once the lock file can be made');
    open my $fh, '>', "$db/data.mdb" or die;
    print $fh "not an LMDB file\n" x 512;
    close $fh;
    $refused->('a data file that is not LMDB\'s', qr/not an LMDB file|Invalid argument/);
};

subtest 'no secret in the error or access log' => sub {
    my $t = VoxfraTest->new(edit => sub {
        my $c = shift;
        # Also NGINX's debug log, where it writes every request header:
        # HMAC secrets never travel, so they must not be there either.
        $c =~ s{^(error_log .*)$}{$1\nerror_log logs/debug.log debug;}m or die;
        $c;
    });
    my (@secrets, @hmac_secrets);
    my $ep = $t->create_endpoint(provider => 'custom', client => 'signed', args => ['--hmac']);
    push @hmac_secrets, $ep->{secret};
    my $n = 0;
    my $signed = sub {
        my ($path, $secret, $want, $ts) = @_;
        my $body = custom_body('secret-' . ++$n);
        my $res = $t->post($path, $body, 'X-Voxfra-Signature' => sign($secret, $body, $ts));
        is($res->{status}, $want, "signed call $n: $want") or diag $res->{body};
    };
    $signed->($ep->{path}, $ep->{secret}, 200);
    my $wrong = 'whsec_' . join '', map { ('a' .. 'z')[rand 26] } 1 .. 32;
    push @secrets, $wrong;
    $signed->($ep->{path}, $wrong, 401);
    $signed->($ep->{path}, $ep->{secret}, 401, time - 3600);
    is($t->post($ep->{path}, custom_body('unsigned'))->{status}, 401, 'unsigned: 401');

    my $rot = $t->cli_json('endpoint', 'rotate-secret', $ep->{slug}, '--grace', '1h');
    push @hmac_secrets, $rot->{secret};
    $signed->($ep->{path}, $ep->{secret}, 200);   # within the grace
    $signed->($ep->{path}, $rot->{secret}, 200);
    my $file = $t->dir . '/secret.txt';
    my $own = 'own_' . join '', map { ('A' .. 'Z')[rand 26] } 1 .. 40;
    open my $fh, '>', $file or die;
    print $fh "$own\n";
    close $fh;
    push @hmac_secrets, $own;
    $t->cli_json('endpoint', 'rotate-secret', $ep->{slug}, '--secret-file', $file, '--grace', '1h');
    $signed->($ep->{path}, $own, 200);
    $t->reload;
    my $new = $t->cli_json('endpoint', 'replace', $ep->{slug});
    push @hmac_secrets, $new->{secret};
    $signed->($new->{path}, $new->{secret}, 200);
    $signed->($new->{path}, $own, 401);

    # Vapi's secret travels in a header: NGINX's debug log shows it (NGINX
    # logs request headers at debug), the error and access logs do not.
    my $vapi = $t->create_endpoint(provider => 'vapi', client => 'signed', args => ['--hmac']);
    push @secrets, $vapi->{secret};
    my $report = $t->fixture('conf/examples/vapi-end-of-call-report.json');
    is($t->post($vapi->{path}, $report, 'X-Vapi-Secret' => $vapi->{secret})->{status}, 200, 'Vapi, X-Vapi-Secret');
    is($t->post($vapi->{path}, $report, 'Authorization' => "Bearer $vapi->{secret}")->{status}, 200, 'Vapi, Bearer');
    is($t->post($vapi->{path}, $report, 'X-Vapi-Secret' => $wrong . 'x')->{status}, 401, 'Vapi, a wrong secret');
    push @secrets, $wrong . 'x';
    push @secrets, @hmac_secrets;

    my $logs = $t->error_log . $t->access_log;
    ok(length $logs > 1000, 'the logs have something in them');
    my @leaked = grep { index($logs, $_) >= 0 } @secrets;
    is_deeply(\@leaked, [], scalar(@secrets) . ' secrets: none in error.log or access.log');
    my $debug = VoxfraTest::slurp($t->dir . '/logs/debug.log');
    ok($debug =~ /http header/, 'the debug log has the request headers');
    my @in_debug = grep { index($debug, $_) >= 0 } @hmac_secrets;
    is_deeply(\@in_debug, [], scalar(@hmac_secrets) . ' HMAC secrets: none even in the debug log');
    $t->check_error_log;
};

subtest 'slugs are masked where NGINX logs the request' => sub {
    my $t = VoxfraTest->new(edit => sub {
        my $c = shift;
        $c =~ s{(access_log logs/access.log voxfra;)}{log_format uris 'request="\$request" request_uri="\$request_uri" uri="\$uri" args="\$args"';\n    access_log logs/uris.log uris;\n    $1} or die;
        $c =~ s{(location /webhooks/ \{)}{location = /hook { voxfra_ingest provider=\$arg_p slug=\$arg_s; }\n        $1} or die;
        $c;
    });
    my $ep = $t->create_endpoint(provider => 'custom');
    my $slug = $ep->{slug};
    my $unknown = join '', map { ('a' .. 'z', 'A' .. 'Z')[rand 52] } 1 .. 32;
    is($t->post($ep->{path}, custom_body('masked-1'))->{status}, 200, 'a call: 200');
    # Over the body buffer: NGINX spools it with a [warn] that names the request.
    my $big = $json->encode({ callId => 'masked-big', startedAt => '2026-11-23T10:00:00Z', durationSeconds => 3,
                              transcript => 'x' x 40_000 });
    is($t->post($ep->{path}, $big)->{status}, 200, 'a 40 KB call: 200');
    is($t->post("/webhooks/custom/$unknown", custom_body('masked-2'))->{status}, 404, 'an unknown slug: 404');
    is($t->post("/hook?p=custom&s=$slug", custom_body('masked-3'))->{status}, 200, 'the slug in a query argument: 200');
    sleep 0.5;  # the access log is written after the answer

    my $error = $t->error_log;
    my $uris = VoxfraTest::slurp($t->dir . '/logs/uris.log');
    my $logs = $error . $t->access_log . $uris;
    is_deeply([grep { index($logs, $_) >= 0 } $slug, $unknown], [], 'neither slug is in error.log, access.log or a log of $request, $request_uri, $uri and $args');
    my $m = VoxfraTest::masked_slug($slug);
    like($error, qr{buffered to a temporary file.*request: "POST /webhooks/custom/\Q$m\E HTTP/1\.1"},
         'the error log names the request with its slug masked');
    like($uris, qr{request="POST /webhooks/custom/\Q$m\E HTTP/1\.1" request_uri="/webhooks/custom/\Q$m\E" uri="/webhooks/custom/\Q$m\E"},
         '$request, $request_uri and $uri show the slug masked');
    like($uris, qr{request="POST /webhooks/custom/\Q@{[VoxfraTest::masked_slug($unknown)]}\E HTTP/1\.1"}, 'an unknown slug too');
    like($uris, qr{request_uri="/hook\?p=custom&s=\Q$m\E" uri="/hook" args="p=custom&s=\Q$m\E"},
         'and in a query argument');
    is($t->cli_json('calls', 'list')->[0]{callId} // '', 'masked-3', 'the calls were stored under their endpoint');
    $t->check_error_log;
};

done_testing;
