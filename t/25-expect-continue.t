#!/usr/bin/env perl
# Expect: 100-continue. A request the handler refuses from its headers alone
# (wrong method or content type, unknown slug, allowlist, rate limit,
# declared body too large) gets its final answer without a `100 Continue`
# first: the client is never invited to send a body nobody will read. An
# acceptable request gets the 100, sends its body and is stored. Over a raw
# socket: the headers go out, the answer is read before any body is sent.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Select;
use IO::Socket::INET;
use VoxfraTest;

my $t = VoxfraTest->new;
my $report = $t->fixture('tests/fixtures/vapi/end-of-call-report.json');

# Sends the head with Expect: 100-continue and a Content-Length, no body;
# returns what the server sent within a second (it answers at once) and
# the socket, still open.
sub expect_head {
    my ($method, $path, %o) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $t->port, Timeout => 5) or die "connect: $!";
    my $length = $o{length} // length $report;
    my $type = $o{type} // 'application/json';
    $s->syswrite("$method $path HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: $type\r\n"
                 . "Content-Length: $length\r\nExpect: 100-continue\r\n\r\n");
    return (read_for($s, 1), $s);
}

sub read_for {
    my ($s, $seconds) = @_;
    my $got = '';
    my $sel = IO::Select->new($s);
    while ($sel->can_read($seconds)) {
        my $n = sysread($s, my $buf, 65536);
        last unless $n;
        $got .= $buf;
        last if $got =~ /\r\n\r\n/ && $got !~ m{^HTTP/1\.1 100 } && complete($got);
        $seconds = 0.2 if $got =~ m{^HTTP/1\.1 100 Continue\r\n\r\n\z};  # nothing more comes until the body
    }
    return $got;
}

sub complete {
    my ($raw) = @_;
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
    return !defined $len || length($body // '') >= $len;
}

sub refused_without_continue {
    my ($name, $status, $reason, @request) = @_;
    my ($got, $s) = expect_head(@request);
    close $s;
    unlike($got, qr{HTTP/1\.1 100 }, "$name: no 100 Continue") or diag $got;
    like($got, qr{\AHTTP/1\.1 $status }, "$name: the final $status straight away") or diag $got;
    my $r = VoxfraTest::parse_response($got);
    is($r->{json}{reason}, $reason, "$name: reason $reason");
}

my $ep = $t->create_endpoint(provider => 'vapi', client => 'expect');
my $far = $t->create_endpoint(provider => 'vapi', client => 'far', args => ['--allow', '10.0.0.0/8']);
my $slow = $t->create_endpoint(provider => 'vapi', client => 'slow', args => ['--rate-limit', '1']);

refused_without_continue('wrong method', 405, 'method_not_allowed', 'PUT', "/webhooks/vapi/$ep->{slug}");
refused_without_continue('wrong content type', 415, 'unsupported_media_type', 'POST', "/webhooks/vapi/$ep->{slug}",
                         type => 'text/plain');
refused_without_continue('unknown slug', 404, 'not_found', 'POST', '/webhooks/vapi/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
refused_without_continue('allowlist', 403, 'forbidden', 'POST', "/webhooks/vapi/$far->{slug}");
refused_without_continue('declared body too large', 413, 'body_too_large', 'POST', "/webhooks/vapi/$ep->{slug}",
                         length => 2 * 1024 * 1024);
is($t->post("/webhooks/vapi/$slow->{slug}", $report)->{status}, 200, 'the rate-limited endpoint takes its one call');
refused_without_continue('rate limit', 429, 'rate_limited', 'POST', "/webhooks/vapi/$slow->{slug}");

# Acceptable: 100 Continue, then the body, then 200 accepted.
my ($got, $s) = expect_head('POST', "/webhooks/vapi/$ep->{slug}");
is($got, "HTTP/1.1 100 Continue\r\n\r\n", 'an acceptable request is invited to send its body');
$s->syswrite($report);
my $r = VoxfraTest::parse_response(read_for($s, 5));
close $s;
is($r->{status}, 200, 'and is answered 200 once it has') or diag explain $r;
is($r->{json}{status}, 'accepted', 'accepted');

# A client that sends the body anyway after a refusal (curl waits a second,
# then sends) is not answered twice and leaves no error behind.
($got, $s) = expect_head('POST', '/webhooks/vapi/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
like($got, qr{\AHTTP/1\.1 404 }, 'refused');
$s->syswrite($report);
my $more = read_for($s, 1);
close $s;
unlike($more, qr{HTTP/1\.1 }, 'a body sent after the refusal gets no second answer');

$t->check_error_log;
done_testing;
