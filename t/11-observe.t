#!/usr/bin/env perl
# Operate and observe through a real NGINX with 2 workers: the voxfra_metrics
# page after a known mix of requests, the log_format variables in the access
# log, the request history of `voxfra endpoint log` (bounded, newest first,
# bounded under a flood), and a full LMDB map in the storage failure metric.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;
use Digest::SHA qw(hmac_sha256_hex);
use Time::HiRes qw(sleep time);

my $json = VoxfraTest->json;
my $KEEP = 5;  # voxfra_request_log in this test
my $t = VoxfraTest->new(edit => sub {
    my $c = shift;
    $c =~ s/voxfra_request_log 100;/voxfra_request_log $KEEP;/ or die 'no voxfra_request_log in the example';
    # The kernel spreads connections over both workers by their ports, and
    # the log says which worker answered.
    $c =~ s/(listen 127\.0\.0\.1:\d+);/$1 reuseport;/ or die 'no listen';
    $c =~ s/'rt=\$request_time';/'rt=\$request_time pid=\$pid';/ or die 'no rt= in the log format';
    # The flood of bad signatures below is to reach the history, not to be
    # cut off by the failure budget (t/26 tests that).
    $c =~ s/voxfra_rate_limit_failures 10 r\/m;/voxfra_rate_limit_failures 1000000 r\/m;/ or die 'no failure budget';
    $c;
});

my $sample = $json->decode(VoxfraTest->fixture('conf/examples/vapi-end-of-call-report.json'));
sub vapi_report {
    my ($id) = @_;
    my $r = $json->decode($json->encode($sample));
    $r->{message}{call}{id} = $id;
    return $json->encode($r);
}
sub custom_call {
    my ($id) = @_;
    return $json->encode({ callId => $id, startedAt => '2026-11-23T10:00:00Z', durationSeconds => 42 });
}
sub sign {
    my ($secret, $body) = @_;
    my $ts = time;
    $ts = int $ts;
    return "t=$ts,v1=" . hmac_sha256_hex("$ts.$body", $secret);
}
sub endpoint_log {
    my ($slug, @args) = @_;
    return $t->cli_json('endpoint', 'log', $slug, @args);
}
# The history is written once a second: wait until it holds `$want` entries.
sub wait_log {
    my ($slug, $want, @args) = @_;
    my $log = [];
    for (1 .. 60) {
        $log = endpoint_log($slug, '--limit', 1000, @args);
        last if @$log >= $want;
        sleep 0.1;
    }
    sleep 1.2;  # and one more flush, to see that nothing more comes
    return endpoint_log($slug, '--limit', 1000, @args);
}

my $vapi = $t->create_endpoint(provider => 'vapi', client => 'observe');
my $signed = $t->create_endpoint(provider => 'custom', client => 'signed', args => ['--hmac', '--rate-limit', '1000000']);
my $limited = $t->create_endpoint(provider => 'custom', client => 'limited', args => ['--rate-limit', '1']);

# ---------------------------------------------------------------------------
# A known mix, from a fresh NGINX (the counters start at zero). Each entry:
# [what, response]; the vapi endpoint's requests in the order it saw them.
my %res;
my @vapi_seen;
sub vapi_post {
    my ($name, $res) = @_;
    $res{$name} = $res;
    push @vapi_seen, $name;
    return $res;
}
vapi_post("accepted-$_", $t->post($vapi->{path}, vapi_report("obs-$_"))) for 1 .. 3;
vapi_post('duplicate-1', $t->post($vapi->{path}, vapi_report('obs-1')));
vapi_post('duplicate-2', $t->post($vapi->{path}, vapi_report('obs-2')));
vapi_post('ignored', $t->post($vapi->{path}, $json->encode({ message => { type => 'status-update', status => 'ended',
                                                                       call => { id => 'obs-ignored' } } })));
# Refused before the endpoint is looked up (405 comes first): counted, in no history.
$res{get} = $t->request('GET', $vapi->{path});
vapi_post('invalid-json', $t->post($vapi->{path}, '{"message": '));

my $body = custom_call('obs-signed');
$res{'signed'} = $t->post($signed->{path}, $body, 'X-Voxfra-Signature' => sign($signed->{secret}, $body));
$res{'unsigned'} = $t->post($signed->{path}, custom_call('obs-unsigned'));
$res{'wrong-signature'} = $t->post($signed->{path}, $body, 'X-Voxfra-Signature' => sign('whsec_wrong_secret_0000000000000', $body));
$res{'limited-1'} = $t->post($limited->{path}, custom_call('obs-limited-1'));
$res{'limited-2'} = $t->post($limited->{path}, custom_call('obs-limited-2'));
$res{'unknown-slug'} = $t->post('/webhooks/vapi/' . ('A' x 32), vapi_report('obs-nobody'));
$res{'wrong-provider'} = $t->post('/webhooks/retell/' . $vapi->{slug}, vapi_report('obs-retell'));

my %want_status = ('accepted-1' => 200, 'accepted-2' => 200, 'accepted-3' => 200, 'duplicate-1' => 200,
                   'duplicate-2' => 200, ignored => 200, get => 405, 'invalid-json' => 400, signed => 200,
                   unsigned => 401, 'wrong-signature' => 401, 'limited-1' => 200, 'limited-2' => 429,
                   'unknown-slug' => 404, 'wrong-provider' => 404);
for my $name (sort keys %want_status) {
    is($res{$name}{status}, $want_status{$name}, "mix: $name is $want_status{$name}") or diag $res{$name}{raw};
}
is($res{'duplicate-1'}{json}{status}, 'duplicate', 'mix: the resent call is a duplicate');
is($res{ignored}{json}{status}, 'ignored', 'mix: the status update is ignored');

subtest 'metrics: exact counts after a known mix, the same from every worker' => sub {
    my $m = $t->metrics;
    is($m->{res}{status}, 200, 'GET /metrics is 200');
    is($m->{res}{headers}{'content-type'}, 'text/plain; version=0.0.4', 'Prometheus text format 0.0.4');
    my $s = $m->{samples};
    my %want = (
        'voxfra_requests_total{provider="vapi",outcome="accepted"}' => 3,
        'voxfra_requests_total{provider="vapi",outcome="duplicate"}' => 2,
        'voxfra_requests_total{provider="vapi",outcome="ignored"}' => 1,
        'voxfra_requests_total{provider="vapi",outcome="rejected"}' => 3,    # GET, invalid JSON, unknown slug
        'voxfra_requests_total{provider="retell",outcome="rejected"}' => 1,  # a vapi slug under retell
        'voxfra_requests_total{provider="custom",outcome="accepted"}' => 2,
        'voxfra_requests_total{provider="custom",outcome="rejected"}' => 3,
        'voxfra_requests_total{provider="bland",outcome="accepted"}' => 0,
        'voxfra_requests_total{provider="unknown",outcome="rejected"}' => 0,
        'voxfra_rejections_total{reason="not_found"}' => 2,
        'voxfra_rejections_total{reason="method_not_allowed"}' => 1,
        'voxfra_rejections_total{reason="invalid_json"}' => 1,
        'voxfra_rejections_total{reason="bad_signature"}' => 2,
        'voxfra_rejections_total{reason="rate_limited"}' => 1,
        'voxfra_rejections_total{reason="forbidden"}' => 0,
        'voxfra_rejections_total{reason="storage_failed"}' => 0,
        'voxfra_duplicates_total' => 2,
        'voxfra_rate_limited_total' => 1,
        'voxfra_signature_failures_total' => 2,
        'voxfra_records_stored_total' => 5,
        'voxfra_storage_failures_total{error="map_full"}' => 0,
        'voxfra_storage_failures_total{error="io"}' => 0,
        'voxfra_ingest_duration_seconds_count' => 15,
        'voxfra_commit_batch_size_sum' => 5,
        'voxfra_request_log_dropped_total' => 0,
    );
    for my $name (sort keys %want) {
        is($s->{$name}, $want{$name}, $name);
    }
    my $batches = $s->{voxfra_commit_batch_size_count} // 0;
    ok($batches >= 1 && $batches <= 5, "1 to 5 commits for 5 calls ($batches)");

    # Both workers answered some of the mix, and every scrape, whichever
    # worker serves it, shows the same totals.
    my %pids;
    my $log = '';
    for (1 .. 20) { $log = $t->access_log; last if $log =~ /\Q$res{'wrong-provider'}{headers}{'x-request-id'}\E/; sleep 0.1 }
    for my $r (values %res) {
        my $id = $r->{headers}{'x-request-id'} // next;
        $pids{$1} = 1 if $log =~ /request_id=\Q$id\E .* pid=(\d+)$/m;
    }
    is(scalar keys %pids, 2, 'the mix was answered by both workers');
    for (1 .. 6) {
        my $again = $t->metrics->{samples};
        my @differ = grep { $_ !~ /^voxfra_(store_map|zone)_/ && ($again->{$_} // '') ne $s->{$_} } keys %$s;
        ok(!@differ, "scrape $_: every counter as before") or diag "@differ";
    }
};

subtest 'metrics: HELP and TYPE, cumulative histograms, sane gauges' => sub {
    my $m = $t->metrics;
    my $s = $m->{samples};
    for my $family (qw(voxfra_requests_total voxfra_rejections_total voxfra_duplicates_total
                       voxfra_rate_limited_total voxfra_signature_failures_total voxfra_records_stored_total
                       voxfra_storage_failures_total voxfra_request_log_dropped_total)) {
        is($m->{types}{$family}, 'counter', "$family is a counter");
        ok($m->{helps}{$family}, "$family has HELP");
    }
    for my $h (qw(voxfra_ingest_duration_seconds voxfra_commit_batch_size voxfra_store_commit_duration_seconds)) {
        is($m->{types}{$h}, 'histogram', "$h is a histogram");
        my @buckets = map { [$1, $s->{$_}] } grep { /^\Q$h\E_bucket\{le="([^"]+)"\}$/ } keys %$s;
        @buckets = sort { ($a->[0] eq '+Inf' ? 9e99 : $a->[0]) <=> ($b->[0] eq '+Inf' ? 9e99 : $b->[0]) }
                   map { /le="([^"]+)"/; [$1, $s->{$_}] } grep { /^\Q$h\E_bucket/ } keys %$s;
        ok(@buckets > 3, "$h has buckets");
        my @bad = grep { $buckets[$_][1] < $buckets[$_ - 1][1] } 1 .. $#buckets;
        ok(!@bad, "$h buckets are cumulative");
        is($buckets[-1][0], '+Inf', "$h ends with +Inf");
        is($buckets[-1][1], $s->{"${h}_count"}, "$h: +Inf equals _count");
        ok(defined $s->{"${h}_sum"}, "$h has _sum");
    }
    ok($s->{voxfra_ingest_duration_seconds_sum} > 0 && $s->{voxfra_ingest_duration_seconds_sum} < 15,
       'ingest duration sum is plausible');
    # Every commit of calls timed once: this store had no failed batch.
    is($s->{voxfra_store_commit_duration_seconds_count}, $s->{voxfra_commit_batch_size_count},
       'one commit duration for each commit of calls');
    ok($s->{voxfra_store_commit_duration_seconds_sum} > 0
       && $s->{voxfra_store_commit_duration_seconds_sum} < $s->{voxfra_ingest_duration_seconds_sum},
       'the commits took some of the ingest requests\' time');
    # One sync a commit: each commit of calls is made durable once, by the
    # next commit's sync or its own (docs/design.md).
    is($m->{types}{voxfra_store_commits_covered_total}, 'counter', 'voxfra_store_commits_covered_total is a counter');
    my $covered = $s->{'voxfra_store_commits_covered_total{by="next_commit"}'}
                + $s->{'voxfra_store_commits_covered_total{by="own_sync"}'};
    is($covered, $s->{voxfra_commit_batch_size_count}, "every commit of calls was covered once ($covered)");
    for my $g (qw(voxfra_store_map_used_bytes voxfra_store_map_size_bytes voxfra_zone_used_bytes
                  voxfra_zone_size_bytes)) {
        is($m->{types}{$g}, 'gauge', "$g is a gauge");
    }
    is($s->{voxfra_store_map_size_bytes}, 1024 ** 3, 'map size is voxfra_store size=1g');
    ok($s->{voxfra_store_map_used_bytes} > 0 && $s->{voxfra_store_map_used_bytes} < $s->{voxfra_store_map_size_bytes},
       "map used is within the map ($s->{voxfra_store_map_used_bytes})");
    my $zone_size = $s->{'voxfra_zone_size_bytes{zone="voxfra"}'};
    my $zone_used = $s->{'voxfra_zone_used_bytes{zone="voxfra"}'};
    is($zone_size, 10 * 1024 * 1024, 'zone size is voxfra_zone voxfra:10m');
    ok($zone_used > 0 && $zone_used < $zone_size, "zone used is within the zone ($zone_used)");
    ok(!exists $s->{'voxfra_zone_size_bytes{zone="voxfra_metrics"}'}, 'the counters zone is not a voxfra_zone');

    my $post = $t->request('POST', '/metrics', body => '{}');
    is($post->{status}, 405, 'POST /metrics is 405');
    like($post->{headers}{allow} // '', qr/^GET\b/, 'Allow: GET');
};

subtest 'log_format variables: accepted, duplicate, ignored, rejected' => sub {
    my $ep = $vapi->{id};
    my %line = (
        'accepted-1'   => qr/ 200 request_id=%s voxfra=accepted reason=- endpoint=\Q$ep\E provider=vapi call=obs-1 rt=\d+\.\d{3} pid=\d+$/,
        'duplicate-1'  => qr/ 200 request_id=%s voxfra=duplicate reason=- endpoint=\Q$ep\E provider=vapi call=obs-1 rt=/,
        'ignored'      => qr/ 200 request_id=%s voxfra=ignored reason=- endpoint=\Q$ep\E provider=vapi call=\S+ rt=/,
        'invalid-json' => qr/ 400 request_id=%s voxfra=rejected reason=invalid_json endpoint=\Q$ep\E provider=vapi call=- rt=/,
        'unsigned'     => qr/ 401 request_id=%s voxfra=rejected reason=bad_signature endpoint=\Q$signed->{id}\E provider=custom call=- rt=/,
        'unknown-slug' => qr/ 404 request_id=%s voxfra=rejected reason=not_found endpoint=- provider=vapi call=- rt=/,
    );
    my $log = '';
    for (1 .. 20) { $log = $t->access_log; last if $log =~ /\Q$res{'unknown-slug'}{json}{requestId}\E/; sleep 0.1 }
    for my $name (sort keys %line) {
        my $id = $res{$name}{json}{requestId};
        my ($found) = grep { /request_id=\Q$id\E / } split /\n/, $log;
        my $want = $line{$name};
        $want = qr/${\ sprintf($want, quotemeta $id)}/;
        like($found // '', $want, "access log line of $name");
    }
};

subtest 'endpoint log: newest first, the right fields, bounded at N' => sub {
    my $log = wait_log($vapi->{slug}, $KEEP);
    is(scalar @$log, $KEEP, scalar(@vapi_seen) . " requests, the newest $KEEP kept");
    my @newest = reverse @vapi_seen[-$KEEP .. -1];
    is_deeply([map { $_->{requestId} } @$log], [map { $res{$_}{json}{requestId} // $res{$_}{headers}{'x-request-id'} } @newest],
              'newest first: ' . join(', ', @newest));
    my %want = (
        'invalid-json' => { outcome => 'rejected', httpStatus => 400, reason => 'invalid_json' },
        ignored        => { outcome => 'ignored', httpStatus => 200 },
        'duplicate-2'  => { outcome => 'duplicate', httpStatus => 200, callId => 'obs-2' },
        'duplicate-1'  => { outcome => 'duplicate', httpStatus => 200, callId => 'obs-1' },
        'accepted-3'   => { outcome => 'accepted', httpStatus => 200, callId => 'obs-3' },
    );
    for my $i (0 .. $#newest) {
        my ($e, $name) = ($log->[$i], $newest[$i]);
        for my $k (sort keys %{ $want{$name} }) { is($e->{$k}, $want{$name}{$k}, "$name: $k") }
        ok(!exists $e->{reason}, "$name: no reason") unless $want{$name}{reason};
        is($e->{endpoint}, $vapi->{id}, "$name: endpoint id");
        is($e->{provider}, 'vapi', "$name: provider");
        like($e->{at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "$name: at");
        ok($e->{latencyMs} >= 0 && $e->{latencyMs} < 5000, "$name: latencyMs ($e->{latencyMs})");
    }
    my @times = map { $_->{at} } @$log;
    is_deeply(\@times, [sort { $b cmp $a } @times], 'times descend');

    is(scalar @{ endpoint_log($vapi->{slug}, '--limit', 2) }, 2, '--limit 2');
    my ($code, $out) = $t->cli('endpoint', 'log', $vapi->{slug});
    is($code, 0, 'the human table');
    like($out, qr/^TIME\s+OUTCOME\s+HTTP\s+REASON\s+LATENCY\s+REQUEST ID\s+CALL ID\n/, 'table header');
    like($out, qr/\brejected\s+400\s+invalid_json\s+\d+\.\dms\s+\Q$res{'invalid-json'}{json}{requestId}\E\s+-\n/,
         'a table row');

    my $sl = wait_log($signed->{slug}, 3);
    is_deeply([map { $_->{reason} // '' } @$sl], ['bad_signature', 'bad_signature', ''], 'the signed endpoint: its 3 requests');
    my $lim = wait_log($limited->{slug}, 2);
    is_deeply([map { $_->{httpStatus} } @$lim], [429, 200], 'the limited endpoint: 429 after 200');

    my ($nc, undef, $nerr) = $t->cli('endpoint', 'log', 'no-such-slug');
    isnt($nc, 0, 'an unknown slug fails');
    like($nerr, qr/no endpoint/, 'and says so');
};

subtest 'counters and history survive a reload' => sub {
    my $before = $t->metrics->{samples};
    $t->reload;
    my $after = $t->metrics->{samples};
    is($after->{'voxfra_requests_total{provider="vapi",outcome="accepted"}'}, 3, 'requests after reload');
    is($after->{voxfra_records_stored_total}, $before->{voxfra_records_stored_total}, 'records stored after reload');
    is(scalar @{ endpoint_log($vapi->{slug}) }, $KEEP, 'history after reload');
};

subtest 'a flood of bad requests: the history stays at N, the file barely grows' => sub {
    my $file = $t->db . '/data.mdb';
    my $size_before = -s $file;
    my $target = $signed->{path};
    my ($sent, $rejected) = (0, 0);
    my $deadline = time + 30;
    my $flood = custom_call('obs-flood');
    while ($sent < 3000 && time < $deadline) {
        my $r = $t->post($target, $flood, 'X-Voxfra-Signature' => 't=1,v1=' . ('0' x 64));
        ++$sent;
        ++$rejected if $r->{status} == 401;
    }
    ok($sent >= 1000, "$sent bad requests sent");
    is($rejected, $sent, 'every one rejected (401)');
    my $good = custom_call('obs-after-flood');
    my $ok = $t->post($target, $good, 'X-Voxfra-Signature' => sign($signed->{secret}, $good));
    is($ok->{json}{status}, 'accepted', 'a good request after the flood is accepted');

    my $log = wait_log($signed->{slug}, $KEEP);
    sleep 1.2;
    $log = endpoint_log($signed->{slug}, '--limit', 1000);
    is(scalar @$log, $KEEP, "history at $KEEP entries");
    is($log->[0]{requestId}, $ok->{json}{requestId}, 'the newest is the good request');
    is($log->[1]{reason}, 'bad_signature', 'then the flood');
    my $grown = (-s $file) - $size_before;
    ok($grown <= 64 * 1024, "data.mdb grew by $grown bytes (at most 64 KiB; 3000 kept entries would take several times that)");
    my $s = $t->metrics->{samples};
    is($s->{voxfra_signature_failures_total}, 2 + $rejected, 'every signature failure counted');
};

$t->check_error_log;

subtest 'a full map shows in voxfra_storage_failures_total' => sub {
    my $small = VoxfraTest->new(edit => sub { my $c = shift; $c =~ s/size=1g/size=1m/ or die; $c });
    my $ep = $small->create_endpoint(provider => 'custom');
    my ($stored, $failed) = (0, 0);
    for my $i (1 .. 40) {
        my $res = $small->post($ep->{path}, $json->encode({ callId => "big-$i", startedAt => '2026-11-23T10:00:00Z',
                                                            durationSeconds => 60, transcript => ('x' x 60000) }));
        if ($res->{status} == 200) { ++$stored; next }
        ++$failed;
        last;
    }
    is($failed, 1, "the map filled after $stored calls");
    my $s = $small->metrics->{samples};
    is($s->{'voxfra_storage_failures_total{error="map_full"}'}, 1, 'storage_failures{error="map_full"} is 1');
    is($s->{'voxfra_rejections_total{reason="storage_failed"}'}, 1, 'rejections{reason="storage_failed"} is 1');
    is($s->{voxfra_records_stored_total}, $stored, 'records stored');
    is($s->{voxfra_store_map_size_bytes}, 1024 * 1024, 'map size 1m');
    ok($s->{voxfra_store_map_used_bytes} > 0.5 * 1024 * 1024, "map used is near full ($s->{voxfra_store_map_used_bytes})");
    $small->check_error_log;
};

done_testing;
