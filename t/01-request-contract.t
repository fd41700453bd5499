#!/usr/bin/env perl
# The request contract (docs/design.md), row by row, against a real NGINX with
# the module, a real LMDB and the real CLI.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;

my $t = VoxfraTest->new;
my $json = VoxfraTest->json;
my $ep = $t->create_endpoint(org => 'acme', client => 'dental', provider => 'vapi');
my $path = $ep->{path};
like($path, qr{^/webhooks/vapi/[A-Za-z0-9_-]{32}$}, 'create prints the endpoint path');

my $sample = $json->decode(VoxfraTest->fixture('conf/examples/vapi-end-of-call-report.json'));
my $n = 0;
sub report {
    my (%o) = @_;
    my $r = $json->decode($json->encode($sample));
    $r->{message}{call}{id} = $o{id} // sprintf('call-%d-%d', $$, ++$n);
    $o{edit}->($r) if $o{edit};
    return $json->encode($r);
}
sub calls { $t->cli_json('calls', 'list', '--limit', '1000') }

# Every answer is JSON and carries the request id, also as X-Request-Id.
sub answers_json {
    my ($res, $status, $name) = @_;
    is($res->{status}, $status, "$name: HTTP $status") or diag $res->{raw};
    like($res->{headers}{'content-type'} // '', qr{^application/json}, "$name: JSON content type");
    ok($res->{json}, "$name: body is JSON") or diag $res->{body};
    like($res->{json}{requestId} // '', qr/^[0-9a-f]{32}$/, "$name: requestId");
    is($res->{headers}{'x-request-id'}, $res->{json}{requestId}, "$name: X-Request-Id header is the requestId");
}

subtest 'accepted: stored and normalized' => sub {
    my $res = $t->post($path, report(id => 'call-accepted-1'));
    answers_json($res, 200, 'accepted');
    is($res->{json}{status}, 'accepted', 'status accepted');
    is($res->{json}{callId}, 'call-accepted-1', 'callId is the provider call id');
    like($res->{json}{recordId}, qr/^[0-9a-f]{16}$/, 'recordId');

    my ($rec) = grep { $_->{callId} eq 'call-accepted-1' } @{ calls() };
    ok($rec, 'calls list --json shows the record') or return;
    is($rec->{id}, $res->{json}{recordId}, 'record id');
    is($rec->{requestId}, $res->{json}{requestId}, 'record requestId');
    is($rec->{org}, 'acme', 'org');
    is($rec->{client}, 'dental', 'client');
    is($rec->{endpoint}, $ep->{id}, 'endpoint is the public id, not the slug');
    unlike($json->encode($rec), qr/\Q$ep->{slug}\E/, 'the slug appears nowhere in the record');
    is($rec->{provider}, 'vapi', 'provider');
    is($rec->{event}, 'end-of-call-report', 'event');
    is($rec->{status}, 'ended', 'status');
    is($rec->{endedReason}, 'customer-ended-call', 'endedReason');
    is($rec->{startedAt}, '2024-11-23T08:18:02.512Z', 'startedAt in RFC 3339 UTC');
    is($rec->{endedAt}, '2024-11-23T08:19:57.880Z', 'endedAt');
    ok(abs($rec->{durationSeconds} - 115.368) < 0.001, 'durationSeconds from the times');
    is($rec->{direction}, 'inbound', 'direction from call.type');
    is($rec->{fromNumber}, '+14155550123', 'inbound: from is the customer');
    is($rec->{toNumber}, '+14155559876', 'inbound: to is the Vapi number');
    is($rec->{customerNumber}, '+14155550123', 'customerNumber');
    is($rec->{agentId}, '6a3c1d2e-5b4f-4e8a-9c7d-1f2e3a4b5c6d', 'agentId is the assistant');
    is($rec->{transcript}, "AI: How can I help?\nUser: What's the weather?\n", 'transcript');
    is_deeply([map { $_->{role} } @{ $rec->{turns} }], ['agent', 'user'], 'turns roles');
    is($rec->{turns}[1]{text}, "What's the weather?", 'turn text');
    is($rec->{summary}, 'Caller asked about weather.', 'summary');
    is($rec->{recordingUrl}, 'https://storage.vapi.ai/0b6c1c7e-mono.wav', 'recordingUrl');
    ok(abs($rec->{cost} - 0.1342) < 1e-9, 'cost');
    like($rec->{receivedAt}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'receivedAt');

    my $shown = $t->cli_json('calls', 'show', $res->{json}{recordId});
    $shown = $shown->[0] if ref $shown eq 'ARRAY';
    is($shown->{callId}, 'call-accepted-1', 'calls show RECORD_ID');
};

subtest 'unicode and escapes survive' => sub {
    my $body = report(id => 'call-unicode', edit => sub {
        $_[0]{message}{artifact}{transcript} = "AI: \x{00bf}Qu\x{00e9} tal? \x{1F600}\nUser: \"quoted\" \\ tab\t";
    });
    my $res = $t->post($path, $body);
    is($res->{json}{status}, 'accepted', 'accepted');
    my ($rec) = grep { $_->{callId} eq 'call-unicode' } @{ calls() };
    is($rec->{transcript}, "AI: \x{00bf}Qu\x{00e9} tal? \x{1F600}\nUser: \"quoted\" \\ tab\t", 'transcript byte-exact');
};

subtest 'duplicate: the same call again is not stored again' => sub {
    my $body = report(id => 'call-dup-1');
    my $first = $t->post($path, $body);
    is($first->{json}{status}, 'accepted', 'first delivery accepted');
    my $before = scalar @{ calls() };
    my $again = $t->post($path, $body);
    answers_json($again, 200, 'duplicate');
    is($again->{json}{status}, 'duplicate', 'second delivery is a duplicate');
    is($again->{json}{recordId}, $first->{json}{recordId}, 'duplicate names the stored record');
    is(scalar @{ calls() }, $before, 'nothing stored again');
};

subtest 'ignored: events that are not an end-of-call report' => sub {
    my $before = scalar @{ calls() };
    for my $type (qw(status-update conversation-update tool-calls)) {
        my $res = $t->post($path, $json->encode({ message => { type => $type, status => 'ended',
                                                               call => { id => "ignored-$type" } } }));
        answers_json($res, 200, $type);
        is($res->{json}{status}, 'ignored', "$type is ignored");
    }
    is(scalar @{ calls() }, $before, 'nothing stored');
};

subtest '405: only POST' => sub {
    for my $method (qw(GET PUT DELETE)) {
        my $res = $t->request($method, $path);
        answers_json($res, 405, $method);
        is($res->{headers}{allow}, 'POST', "$method: Allow: POST");
        is($res->{json}{reason}, 'method_not_allowed', "$method: reason");
    }
};

subtest '415: a body that is not JSON' => sub {
    my $res = $t->post($path, report(), 'Content-Type' => 'text/plain');
    answers_json($res, 415, 'text/plain');
    is($res->{json}{reason}, 'unsupported_media_type', 'reason');
    for my $ct ('application/json; charset=utf-8', 'application/webhook+json', 'Application/JSON') {
        my $ok = $t->post($path, report(), 'Content-Type' => $ct);
        is($ok->{json}{status}, 'accepted', "$ct is accepted");
    }
};

subtest '404: unknown, inactive, revoked, other provider; one body for all' => sub {
    my $other = $t->create_endpoint(org => 'acme', client => 'ortho', provider => 'vapi');
    my $revoked = $t->create_endpoint(org => 'acme', client => 'spa', provider => 'vapi');
    for my $change (['disable', $other], ['revoke', $revoked]) {
        my ($code, $out, $err) = $t->cli('endpoint', $change->[0], $change->[1]{slug});
        is($code, 0, $change->[0]) or diag $err;
    }
    my %cases = (
        'unknown slug'      => '/webhooks/vapi/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        'inactive endpoint' => $other->{path},
        'revoked endpoint'  => $revoked->{path},
        'provider mismatch' => "/webhooks/custom/$ep->{slug}",
        'unknown provider'  => "/webhooks/nope/$ep->{slug}",
    );
    my %bodies;
    for my $name (sort keys %cases) {
        my $res = $t->post($cases{$name}, report());
        answers_json($res, 404, $name);
        is($res->{json}{reason}, 'not_found', "$name: reason");
        (my $b = $res->{body}) =~ s/"requestId":"[0-9a-f]+"//;
        $bodies{$b}++;
    }
    is(scalar keys %bodies, 1, 'the same body for every 404');
};

subtest '413: Content-Length over the limit, before the body is read' => sub {
    my $before = scalar @{ calls() };
    my $res = $t->request('POST', $path, body => 'x', no_body => 1,
                          headers => ['Content-Length' => 2 * 1024 * 1024]);
    answers_json($res, 413, 'Content-Length 2m');
    is($res->{json}{reason}, 'body_too_large', 'reason');
    is(scalar @{ calls() }, $before, 'nothing stored');
};

subtest '413: a chunked body that grows past the limit' => sub {
    my $chunk = ' ' x 65536;
    my $res = $t->request('POST', $path, chunks => [('{"message":' . $chunk), ($chunk) x 40]);
    answers_json($res, 413, 'chunked 2.6m');
    is($res->{json}{reason}, 'body_too_large', 'reason');
    my $small = $t->request('POST', $path, chunks => [substr(report(id => 'call-chunked'), 0, 100),
                                                      substr(report(id => 'call-chunked'), 100)]);
    is($small->{json}{status}, 'accepted', 'a chunked body under the limit is accepted');
};

subtest '400: invalid JSON and invalid payloads name each bad field' => sub {
    my $before = scalar @{ calls() };
    my $res = $t->post($path, '{"message": {"type": "end-of-call-report",');
    answers_json($res, 400, 'truncated JSON');
    is($res->{json}{reason}, 'invalid_json', 'reason invalid_json');
    is(ref $res->{json}{details}, 'ARRAY', 'details is a list');
    is($res->{json}{details}[0]{field}, '$', 'details names the document');

    my $missing = $t->post($path, report(edit => sub { delete $_[0]{message}{call}{id} }));
    answers_json($missing, 400, 'missing call id');
    is($missing->{json}{reason}, 'invalid_payload', 'reason invalid_payload');
    ok((grep { $_->{field} eq 'message.call.id' && $_->{problem} =~ /required/ } @{ $missing->{json}{details} }),
       'details name message.call.id as required') or diag $missing->{body};

    my $typed = $t->post($path, report(edit => sub { $_[0]{message}{call}{id} = 42; $_[0]{message}{startedAt} = 'yesterday' }));
    answers_json($typed, 400, 'wrong types');
    my %problems = map { $_->{field} => $_->{problem} } @{ $typed->{json}{details} };
    like($problems{'message.call.id'} // '', qr/must be a string/, 'call id must be a string');
    like($problems{'message.startedAt'} // '', qr/time/, 'startedAt must be a time');

    my $notobj = $t->post($path, '[1,2,3]');
    answers_json($notobj, 400, 'array body');
    is(scalar @{ calls() }, $before, 'nothing stored for any 400');
};

subtest 'counters reach LMDB within a second or so' => sub {
    sleep 2.5;
    my $shown = $t->cli_json('endpoint', 'show', $ep->{slug});
    # 405 and 415 are answered before the endpoint is resolved, 404s never
    # resolve to it: everything else that was sent to its path counts.
    is($shown->{accepted}, 7, 'accepted counted') or diag explain $shown;
    is($shown->{duplicate}, 1, 'duplicate counted');
    is($shown->{ignored}, 3, 'ignored counted');
    is($shown->{rejected}, 6, 'rejected counted: two 413s, four 400s');
    is($shown->{requests}, 17, 'requests is the sum');
    is_deeply($shown->{rejectedBy}, { body_too_large => 2, invalid_json => 1, invalid_payload => 3 },
              'rejections by reason');
    ok($shown->{lastUsedAt}, 'last used is set');
    ok(!exists $shown->{secret}, 'show never prints a secret');
};

like($t->access_log, qr/voxfra=accepted reason=- endpoint=\Q$ep->{id}\E provider=vapi call=call-accepted-1/,
     'log_format variables');
$t->check_error_log;
done_testing;
