#!/usr/bin/env perl
# Operating from the shell, against a real NGINX and LMDB:
#   send-test    every provider's sample report, signed as the provider signs,
#                through a real endpoint: accepted and stored; a wrong secret is
#                401 and exit 1; misuse is exit 2 with a message
#   calls tail   sees a record posted after it started; filters; a SIGTERM ends it
#                cleanly
#   calls export JSON lines and CSV resumed from a cursor with no gap and no repeat
#                while calls keep arriving between (and during) the runs
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use IO::Select;
use IPC::Open3 qw(open3);
use POSIX ();
use Digest::SHA ();
use IO::Socket::INET;
use Symbol qw(gensym);
use Time::HiRes qw(sleep time);

my $t = VoxfraTest->new;
my $json = VoxfraTest->json;
my $voxfra = VoxfraTest->build . '/voxfra';

sub write_file { $t->write_file(@_) }

# ---------------------------------------------------------------------------
# send-test, every provider, signed

my $wrong_secret = write_file('wrong.secret', "whsec_not_the_endpoints_secret_at_all\n");
my @providers = qw(vapi retell bland livekit elevenlabs voiceinfra voxpria custom);
for my $provider (@providers) {
    my $secret = write_file("$provider.secret", "whsec_${provider}_send_test_secret_0123456789\n");
    my @api_key = $provider eq 'livekit' ? ('--api-key', 'APIsendtest') : ();
    my $ep = $t->create_endpoint(org => 'ops', client => 'signed', provider => $provider,
                                 args => ['--secret-file', $secret, @api_key]);
    my $url = $t->url($ep->{path});

    my ($code, $out, $err) = $t->cli('send-test', '--url', $url, '--provider', $provider,
                                     '--secret-file', $secret, @api_key, '--json');
    is($code, 0, "$provider: send-test exits 0") or diag $err;
    my $sent = eval { $json->decode($out) } // {};
    is($sent->{httpStatus}, 200, "$provider: HTTP 200") or diag $out;
    is($sent->{answer}{status}, 'accepted', "$provider: accepted") or diag $out;
    like($sent->{callId} // '', qr/\S/, "$provider: a call id was sent");
    is($sent->{answer}{callId}, $sent->{callId}, "$provider: the endpoint stored the call id that was sent");
    my $stored = eval { $t->cli_json('calls', 'show', $sent->{answer}{recordId} // 'none') } // {};
    is($stored->{provider} . '/' . $stored->{callId}, "$provider/$sent->{callId}", "$provider: the record is stored");
    ok($stored->{endedAt} && $stored->{startedAt}, "$provider: with its times");

    ($code, $out, $err) = $t->cli('send-test', '--url', $url, '--provider', $provider,
                                  '--secret-file', $wrong_secret, @api_key, '--json');
    is($code, 1, "$provider: a wrong secret exits 1");
    my $refused = eval { $json->decode($out) } // {};
    is($refused->{httpStatus}, 401, "$provider: 401") or diag $out;
    is($refused->{answer}{reason}, 'bad_signature', "$provider: bad_signature");

    ($code, $out) = $t->cli('send-test', '--url', $url, '--provider', $provider, '--json');
    is($code, 1, "$provider: unsigned to a signed endpoint exits 1");
    is((eval { $json->decode($out) } // {})->{httpStatus}, 401, "$provider: unsigned is 401");
}

# Unsigned, the human form, a fixed call id (then a duplicate).
my $plain = $t->create_endpoint(org => 'ops', client => 'plain', provider => 'retell');
my ($code, $out, $err) = $t->cli('send-test', '--url', $t->url($plain->{path}), '--provider', 'retell',
                                 '--call-id', 'call-fixed-1');
is($code, 0, 'unsigned send-test to an endpoint without a secret') or diag $err;
like($out, qr/^HTTP 200\b/m, 'the human form shows the HTTP status');
like($out, qr/^status:\s+accepted$/m, 'and the answer, field by field');
like($out, qr/^callId:\s+call-fixed-1$/m, 'with the given call id');
like($out, qr/unsigned/, 'and says it was unsigned');
($code, $out) = $t->cli('send-test', '--url', $t->url($plain->{path}), '--provider', 'retell',
                        '--call-id', 'call-fixed-1');
is($code, 0, 'the same call id again: still a 2xx');
like($out, qr/^status:\s+duplicate$/m, 'answered duplicate');

# calls show --call-id finds a call through the call index, in every org,
# client and provider unless the options narrow it.
my $other_org = $t->create_endpoint(org => 'ops2', client => 'plain', provider => 'retell');
($code) = $t->cli('send-test', '--url', $t->url($other_org->{path}), '--provider', 'retell', '--call-id', 'call-fixed-1');
is($code, 0, 'the same call id in another org is another call');
my @both = @{ $t->cli_json('calls', 'show', '--call-id', 'call-fixed-1') };
is_deeply([sort map { $_->{org} } @both], [qw(ops ops2)], 'calls show --call-id: the call of each org');
my @one = @{ $t->cli_json('calls', 'show', '--call-id', 'call-fixed-1', '--org', 'ops2', '--client', 'plain',
                          '--provider', 'retell') };
is_deeply([map { $_->{org} } @one], ['ops2'], '--org/--client/--provider narrow it');
($code, $out, $err) = $t->cli('calls', 'show', '--call-id', 'call-fixed-1', '--provider', 'vapi');
is($code, 1, 'no such call for that provider: exit 1');
like($err, qr/no call record with call id "call-fixed-1"/, 'and says so');
($code, $out, $err) = $t->cli('calls', 'show', '--call-id', 'call-fixed-1', '--provider', 'nosuch');
is($code, 2, 'an unknown provider is a usage error');

# Another provider's sample to this endpoint: 400, exit 1, the details shown.
($code, $out) = $t->cli('send-test', '--url', $t->url($plain->{path}), '--provider', 'vapi');
is($code, 1, 'a 400 exits 1');
like($out, qr/^HTTP 400\b/m, 'and shows the 400');
like($out, qr/^detail:\s+event is required$/m, 'with its details');
# A URL with no endpoint: 404.
($code, $out) = $t->cli('send-test', '--url', $t->url('/webhooks/retell/nosuchslug'), '--provider', 'retell');
is($code, 1, 'a 404 exits 1');
like($out, qr/^HTTP 404\b/m, 'and shows the 404');

# Misuse: exit 2 and a message; a server that is not there: exit 1.
my $signed_secret = $t->dir . '/livekit.secret';
my @misuse = (
    [['send-test', '--provider', 'vapi'], qr/--url/],
    [['send-test', '--url', $t->url('/webhooks/vapi/x')], qr/--provider/],
    [['send-test', '--url', 'ftp://x/y', '--provider', 'vapi'], qr/http:\/\/ or https:\/\//],
    [['send-test', '--url', 'http://127.0.0.1:99999/x', '--provider', 'vapi'], qr/port/],
    [['send-test', '--url', $t->url('/x'), '--provider', 'skype'], qr/skype/],
    [['send-test', '--url', $t->url('/x'), '--provider', 'livekit', '--secret-file', $signed_secret], qr/--api-key/],
    [['send-test', '--url', $t->url('/x'), '--provider', 'vapi', '--api-key', 'K'], qr/livekit/],
    [['send-test', '--url', $t->url('/x'), '--provider', 'vapi', '--org', 'x'], qr/--org/],
    [['send-test', '--url', $t->url('/x'), '--provider', 'vapi', 'extra'], qr/extra/],
);
for my $case (@misuse) {
    my ($args, $want) = @$case;
    my ($c, undef, $e) = $t->cli(@$args);
    is($c, 2, "voxfra @$args exits 2");
    like($e, $want, "voxfra @$args explains") or diag $e;
}
($code, undef, $err) = $t->cli('send-test', '--url', 'http://127.0.0.1:' . VoxfraTest::free_port() . '/x',
                               '--provider', 'vapi');
is($code, 1, 'nobody listening: exit 1');
like($err, qr/cannot connect/, 'and says so');

# The request on the wire, seen by a server of this test that answers and then
# keeps the connection open: send-test returns as soon as the answer is whole,
# and its signature checks out with Perl's own HMAC over the bytes received.
{
    my $listener = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1)
        or die "listen: $!";
    my $port = $listener->sockport;
    pipe(my $from_server, my $to_parent) or die "pipe: $!";
    my $server = fork // die "fork: $!";
    if (!$server) {
        close $from_server;
        my $c = $listener->accept or POSIX::_exit(1);
        my $raw = '';
        while ($raw !~ /\r\n\r\n/ || length($raw) < index($raw, "\r\n\r\n") + 4 + (($raw =~ /Content-Length: (\d+)/i)[0] // 0)) {
            sysread($c, my $buf, 65536) or last;
            $raw .= $buf;
        }
        syswrite($to_parent, $raw);
        close $to_parent;
        my $answer = '{"status":"queued"}';
        syswrite($c, "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: "
                     . length($answer) . "\r\n\r\n$answer");
        sleep 20;   # and never close
        POSIX::_exit(0);
    }
    close $to_parent;
    my $secret = $t->dir . '/custom.secret';
    my $t0 = time;
    my ($c, $o, $e) = $t->cli('send-test', '--url', "http://127.0.0.1:$port/hooks/x?y=1", '--provider', 'custom',
                              '--secret-file', $secret);
    cmp_ok(time - $t0, '<', 5, 'send-test returns once the answer is whole, though the server keeps the connection');
    is($c, 0, 'a 202 exits 0') or diag $e;
    like($o, qr/^HTTP 202 Accepted$/m, 'and is shown');
    like($o, qr/^status:\s+queued$/m, 'with its answer');
    my $raw = do { local $/; <$from_server> };
    kill 'KILL', $server;
    waitpid($server, 0);
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    like($head, qr{^POST /hooks/x\?y=1 HTTP/1\.1\r\n}, 'POST to the path and query of the URL');
    like($head, qr/^Host: 127\.0\.0\.1:$port\r?$/m, 'Host as in the URL');
    like($head, qr/^Content-Type: application\/json\r?$/m, 'Content-Type');
    is(($head =~ /^Content-Length: (\d+)/m)[0], length $body, 'Content-Length is the body\'s');
    my ($ts, $mac) = $head =~ /^X-Voxfra-Signature: t=(\d+),v1=([0-9a-f]{64})\r?$/m;
    ok($ts && abs($ts - time) < 60, 'X-Voxfra-Signature with a current t');
    my $key = VoxfraTest::slurp($secret);
    chomp $key;
    is($mac, Digest::SHA::hmac_sha256_hex("$ts.$body", $key), 'v1 is HMAC-SHA256(secret, "t.body"), by Perl');
    my $report = eval { $json->decode($body) } // {};
    ok($report->{callId} && $report->{startedAt} && $report->{endedAt}, 'the body is a custom report');
}

# https://: a second NGINX with a TLS listener and a certificate made here for
# 127.0.0.1. Trusted through SSL_CERT_FILE (OpenSSL's own variable), the call
# is stored; not trusted, or for another name, nothing is sent and exit 1.
SKIP: {
    my $dir = $t->dir;
    my ($rc, undef, $why) = VoxfraTest::run_cmd('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
        '-keyout', "$dir/tls.key", '-out', "$dir/tls.crt", '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1');
    skip "openssl cannot make a certificate: $why", 8 if $rc;
    my $tls_port = VoxfraTest::free_port();
    my $tls = VoxfraTest->new(edit => sub {
        my ($conf) = @_;
        $conf =~ s{(listen 127\.0\.0\.1:\d+;)}{$1\n        listen 127.0.0.1:$tls_port ssl;\n        ssl_certificate $dir/tls.crt;\n        ssl_certificate_key $dir/tls.key;};
        return $conf;
    });
    my $secret = "$dir/custom.secret";
    my $ep = $tls->create_endpoint(org => 'ops', client => 'tls', provider => 'custom', args => ['--secret-file', $secret]);
    my @send = ('send-test', '--url', "https://127.0.0.1:$tls_port$ep->{path}", '--provider', 'custom',
                '--secret-file', $secret, '--json');
    my ($c, $o, $e);
    {
        local $ENV{SSL_CERT_FILE} = "$dir/tls.crt";
        ($c, $o, $e) = $tls->cli(@send);
        is($c, 0, 'https: send-test exits 0') or diag $e;
        my $sent = eval { $json->decode($o) } // {};
        is($sent->{answer}{status}, 'accepted', 'https: accepted') or diag $o;
        is($tls->cli_json('calls', 'show', $sent->{answer}{recordId} // 'none')->{callId}, $sent->{callId},
           'https: stored');
        my @wrong_name = @send;
        s{https://127\.0\.0\.1}{https://localhost} for @wrong_name;
        ($c, undef, $e) = $tls->cli(@wrong_name);
        is($c, 1, 'https: a certificate for another name exits 1');
        like($e, qr/not trusted: .*mismatch/i, 'https: and says why') or diag $e;
    }
    {
        local $ENV{SSL_CERT_FILE} = '/nonexistent';
        local $ENV{SSL_CERT_DIR} = '/nonexistent';
        ($c, undef, $e) = $tls->cli(@send);
        is($c, 1, 'https: an untrusted certificate exits 1');
        like($e, qr/certificate of 127\.0\.0\.1:$tls_port is not trusted: self.signed/i, 'https: and says why')
            or diag $e;
    }
    is(scalar @{ $tls->cli_json('calls', 'list') }, 1, 'https: nothing sent to an untrusted server');
    $tls->check_error_log('the TLS NGINX logged no alert');
}

# ---------------------------------------------------------------------------
# calls tail

my $feed = $t->create_endpoint(org => 'tail', client => 'c', provider => 'custom');
my $feed_vapi = $t->create_endpoint(org => 'tail', client => 'c', provider => 'vapi');
my $n = 0;
sub post_custom {
    my ($ep, $id) = @_;
    $id //= 'c-' . ++$n . '-' . int(rand(1e9));
    my $body = $json->encode({ callId => $id, startedAt => '2026-11-23T10:00:00Z', durationSeconds => 60,
                               transcript => "Agent: Hi, there\nUser: \"quoted\", yes" });
    my $r = $t->post($ep->{path}, $body);
    die "post failed: $r->{status} $r->{body}" unless $r->{status} == 200;
    return $id;
}

# Starts `voxfra calls tail ...` and waits until it says it is following.
sub start_tail {
    my (@args) = @_;
    my $err = gensym;
    my $pid = open3(my $in, my $outfh, $err, $voxfra, '--db', $t->db, 'calls', 'tail', '--poll', '50', @args);
    close $in;
    my $sel = IO::Select->new($err);
    my $said = '';
    my $deadline = time + 15;
    while ($said !~ /following.*\n/ && time < $deadline) {
        next unless $sel->can_read(0.2);
        sysread($err, my $buf, 4096) or last;
        $said .= $buf;
    }
    like($said, qr/following calls stored after record [0-9a-f]{16}/, "tail @args says it is following");
    return { pid => $pid, out => $outfh, err => $err };
}

# Lines of the tail's stdout until `$want` lines or the timeout.
sub read_lines {
    my ($tail, $want, $timeout) = @_;
    my ($buf, @lines) = ('');
    my $sel = IO::Select->new($tail->{out});
    my $deadline = time + $timeout;
    while (@lines < $want && time < $deadline) {
        next unless $sel->can_read(0.2);
        my $got = sysread($tail->{out}, my $chunk, 65536);
        last unless $got;
        $buf .= $chunk;
        while ($buf =~ s/^([^\n]*)\n//) { push @lines, $1 }
    }
    return @lines;
}

sub wait_exit {
    my ($pid, $timeout) = @_;
    my $deadline = time + $timeout;
    while (time < $deadline) {
        return $? >> 8 if waitpid($pid, 1) == $pid;   # WNOHANG
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid($pid, 0);
    return undef;
}

my $before = post_custom($feed);   # stored before the tail starts: not shown
my $tail = start_tail('--json', '--limit', '2');
my $first = post_custom($feed);
my $second = post_custom($feed);
my @lines = read_lines($tail, 2, 15);
is(scalar @lines, 2, 'tail printed the two records posted after it started');
is_deeply([map { (eval { $json->decode($_) } // {})->{callId} } @lines], [$first, $second],
          'in the order they were stored, and not the one from before');
is(wait_exit($tail->{pid}, 10), 0, '--limit 2: exits 0 after two records');

# --since: the records stored since then first.
($code, $out, $err) = $t->cli('calls', 'tail', '--since', '1h', '--org', 'tail', '--limit', '1', '--json');
is($code, 0, 'tail --since exits after --limit');
is((eval { $json->decode($out) } // {})->{callId}, $before, 'starting with the oldest record since then');
like($err, qr/following calls stored since \d{4}-\d\d-\d\dT/, 'and says since when');

# A filter: only custom calls, a vapi delivery in between is not shown.
$tail = start_tail('--provider', 'custom', '--limit', '1');
my $vapi_body = VoxfraTest->fixture('tests/fixtures/vapi/end-of-call-report.json');
is($t->post($feed_vapi->{path}, $vapi_body)->{status}, 200, 'a vapi call is stored');
my $custom = post_custom($feed);
@lines = read_lines($tail, 1, 15);
like($lines[0] // '', qr/^[0-9a-f]{16}  \S+  tail\/c  custom  \Q$custom\E  call\.ended  1m00s  /,
     'the human line: record id, time, org/client, provider, call id, event, duration, status');
is(wait_exit($tail->{pid}, 10), 0, 'and exits after it');

# SIGTERM and SIGINT end a tail that has nothing to print, at once and cleanly.
for my $signal (qw(TERM INT)) {
    $tail = start_tail();
    kill $signal, $tail->{pid};
    my $t0 = time;
    is(wait_exit($tail->{pid}, 5), 0, "SIG$signal: tail exits 0");
    cmp_ok(time - $t0, '<', 2, "SIG$signal: promptly");
}

# ---------------------------------------------------------------------------
# calls export: cursors

# RFC 4180, enough for the test: quoted fields with doubled quotes, CRLF, commas
# and newlines inside quotes.
sub parse_csv {
    my ($text) = @_;
    my (@rows, @row, $field);
    my $i = 0;
    my $len = length $text;
    while ($i < $len) {
        my $c = substr($text, $i, 1);
        if ($c eq '"') {
            my $end = $i + 1;
            $field = '';
            while (1) {
                my $q = index($text, '"', $end);
                die "unterminated quote" if $q < 0;
                $field .= substr($text, $end, $q - $end);
                if (substr($text, $q + 1, 1) eq '"') { $field .= '"'; $end = $q + 2; next }
                $i = $q + 1;
                last;
            }
        } else {
            my ($raw) = substr($text, $i) =~ /^([^,\r\n]*)/;
            $field = $raw;
            $i += length $raw;
        }
        push @row, $field;
        my $sep = substr($text, $i, 1);
        if ($sep eq ',') { $i++; next }
        die "bare LF at $i: rows end with CRLF" if $sep eq "\n";
        if ($sep eq "\r") { die "CR without LF" unless substr($text, $i + 1, 1) eq "\n"; $i += 2 }
        push @rows, [@row];
        @row = ();
    }
    return @rows;
}

my $exp = $t->create_endpoint(org => 'export', client => 'c', provider => 'custom');
my @posted = map { post_custom($exp) } 1 .. 3;
my $cursor_file = $t->dir . '/export.cursor';

($code, $out, $err) = $t->cli('calls', 'export', '--org', 'export', '--format', 'csv', '--cursor-file', $cursor_file);
is($code, 0, 'export csv') or diag $err;
my @rows = parse_csv($out);
my $header = shift @rows;
is_deeply($header, [qw(id requestId receivedAt org client endpoint provider event callId status outcome endedReason
                       startedAt endedAt durationSeconds fromNumber toNumber customerNumber direction agentId
                       recordingUrl summary sentiment intent cost transcript turns variables)],
          'the documented columns');
my %col;
@col{@$header} = 0 .. $#$header;
is_deeply([map { $_->[$col{callId}] } @rows], \@posted, 'the three calls, oldest first');
is($rows[0][$col{transcript}], "Agent: Hi, there\nUser: \"quoted\", yes", 'commas, quotes and newlines survive');
is($rows[0][$col{durationSeconds}], '60', 'numbers as numbers');
my $stored = $t->cli_json('calls', 'show', $rows[0][$col{id}]);
is($rows[0][$col{receivedAt}], $stored->{receivedAt}, 'the same values as the JSON record');
like(VoxfraTest::slurp($cursor_file), qr/^[0-9a-f]{16}\n$/, 'the cursor file holds a cursor');
is($err, '', 'with --cursor-file the cursor is not on stderr');

my @more = map { post_custom($exp) } 1 .. 2;
($code, $out) = $t->cli('calls', 'export', '--org', 'export', '--format', 'csv', '--no-header',
                        '--cursor-file', $cursor_file);
is($code, 0, 'the export resumed from the cursor file');
is_deeply([map { $_->[$col{callId}] } parse_csv($out)], \@more, 'exactly the two calls since, no header');
($code, $out) = $t->cli('calls', 'export', '--org', 'export', '--format', 'csv', '--no-header',
                        '--cursor-file', $cursor_file);
is($out, '', 'nothing new: nothing exported');

# JSON lines with --after, the cursor on stderr, while a second process keeps
# posting: every call exported exactly once over all the runs.
($code, $out, $err) = $t->cli('calls', 'export', '--org', 'export');
my @all = map { $json->decode($_)->{callId} } split /\n/, $out;
is_deeply(\@all, [@posted, @more], 'jsonl: every record so far');
my ($cursor) = $err =~ /cursor ([0-9a-f]{16}) \(continue with --after \1\)/;
ok($cursor, 'the cursor is printed on stderr') or diag $err;

my $writer = fork // die "fork: $!";
if (!$writer) {
    post_custom($exp, "live-$_") for 1 .. 20;
    POSIX::_exit(0);
}
my @live;
my $runs = 0;
my $writer_done = 0;
while (1) {
    $writer_done = waitpid($writer, 1) == $writer unless $writer_done;   # WNOHANG
    ($code, $out, $err) = $t->cli('calls', 'export', '--org', 'export', '--after', $cursor);
    if ($code) { fail("export --after: $err"); last }
    push @live, map { $json->decode($_)->{callId} } split /\n/, $out;
    ($cursor) = $err =~ /cursor ([0-9a-f]{16})/;
    $runs++;
    last if $writer_done && $out eq '';
    if ($runs > 1000) { fail('the exports never caught up'); last }   # a cursor that does not advance
}
is_deeply([sort @live], [sort map { "live-$_" } 1 .. 20],
          "$runs exports --after the last cursor, while 20 calls arrived: each exactly once");
is_deeply(\@live, [map { "live-$_" } 1 .. 20], 'and in the order they were stored');

# Spreadsheet formulas in text cells are neutralised (OWASP), unless
# --raw-cells; U+2028/U+2029 never split a JSON line.
{
    my $fx = $t->create_endpoint(org => 'formulas', client => 'c', provider => 'custom');
    my $formula = '=HYPERLINK("http://evil.example","click")';
    my $body = $json->encode({ callId => 'formula-1', startedAt => '2026-11-23T10:00:00Z', durationSeconds => 60,
                               summary => $formula, status => '@SUM(1+1)', transcript => "line\x{2028}sep\x{2029}end" });
    is($t->post($fx->{path}, $body)->{status}, 200, 'a call with formulas and line separators is stored');
    ($code, $out) = $t->cli('calls', 'export', '--org', 'formulas', '--format', 'csv');
    my ($head, $row) = parse_csv($out);
    my %c; @c{@$head} = 0 .. $#$head;
    is($row->[$c{summary}], "'$formula", 'csv: a formula cell is prefixed with a quote');
    is($row->[$c{status}], "'\@SUM(1+1)", 'csv: so is an @ cell');
    ($code, $out) = $t->cli('calls', 'export', '--org', 'formulas', '--format', 'csv', '--raw-cells');
    ($head, $row) = parse_csv($out);
    is($row->[$c{summary}], $formula, 'csv --raw-cells: as stored');
    ($code, $out) = $t->cli('calls', 'export', '--org', 'formulas');
    unlike($out, qr/\xe2\x80[\xa8\xa9]/, 'jsonl: no raw U+2028 or U+2029');
    is(scalar(split /\n/, $out), 1, 'jsonl: one line');
    is($json->decode($out)->{transcript}, "line\x{2028}sep\x{2029}end", 'jsonl: the text as sent, escaped');
}

# Misuse.
for my $case ([['--format', 'xml'], qr/jsonl or csv/], [['--after', 'zzz'], qr/cursor/],
              [['--no-header'], qr/csv/], [['--after', '1', '--format', 'csv'], qr/cursor/]) {
    my ($args, $want) = @$case;
    my ($c, undef, $e) = $t->cli('calls', 'export', @$args);
    is($c, 2, "export @$args exits 2");
    like($e, $want, "export @$args explains") or diag $e;
}
write_file('bad.cursor', "not a cursor\n");
($code, undef, $err) = $t->cli('calls', 'export', '--cursor-file', $t->dir . '/bad.cursor');
is($code, 2, 'a cursor file that holds no cursor exits 2');
like($err, qr/bad\.cursor/, 'naming the file');
for my $case ([['--poll', '0'], qr/poll/], [['--limit', 'x'], qr/limit/], [['extra'], qr/extra/]) {
    my ($args, $want) = @$case;
    my ($c, undef, $e) = $t->cli('calls', 'tail', @$args);
    is($c, 2, "tail @$args exits 2");
    like($e, $want, "tail @$args explains") or diag $e;
}

($code, $out) = VoxfraTest::run_cmd($voxfra, '--help');
like($out, qr/voxfra send-test --url URL --provider P/, 'usage lists send-test');
like($out, qr/voxfra calls tail /, 'usage lists calls tail');
like($out, qr/voxfra calls export \[--format jsonl\|csv\]/, 'usage lists the export formats');

$t->check_error_log;
done_testing;
