#!/usr/bin/env perl
# `nginx -t` rejects bad directive values with a message naming the
# directive, and accepts the example configuration; a report bigger than
# client_body_buffer_size is accepted whole, spooled or (with the buffer
# raised, as the README advises) in memory.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use VoxfraTest;

my $t = VoxfraTest->new(start => 0);
my ($code, $out) = $t->nginx_test;
is($code, 0, 'the example configuration passes nginx -t') or diag $out;
ok(!-e $t->db, 'nginx -t leaves no LMDB files behind');

my @bad = (
    [ 'voxfra_max_body abc',   sub { $_[0] =~ s/voxfra_max_body 1m;/voxfra_max_body abc;/ },
      qr/"voxfra_max_body" directive invalid size "abc"/ ],
    [ 'voxfra_max_body 0',     sub { $_[0] =~ s/voxfra_max_body 1m;/voxfra_max_body 0;/ },
      qr/"voxfra_max_body" directive invalid size "0"/ ],
    [ 'voxfra_store size',     sub { $_[0] =~ s/size=1g/size=lots/ },
      qr/"voxfra_store" directive invalid map size "size=lots"/ ],
    [ 'voxfra_store durability', sub { $_[0] =~ s/(voxfra_store [^;]*)durability=fsync/$1durability=maybe/ },
      qr/"voxfra_store" directive invalid parameter "durability=maybe"/ ],
    [ 'voxfra_store twice',    sub { $_[0] =~ s/(voxfra_store [^;]*;)/$1\n    $1/ },
      qr/"voxfra_store" directive is duplicate/ ],
    [ 'voxfra_zone without size', sub { $_[0] =~ s/voxfra_zone voxfra:10m;/voxfra_zone voxfra;/ },
      qr/"voxfra_zone" directive invalid zone "voxfra"/ ],
    [ 'voxfra_zone too small', sub { $_[0] =~ s/voxfra_zone voxfra:10m;/voxfra_zone voxfra:4k;/ },
      qr/"voxfra_zone" directive zone "voxfra:4k" is too small/ ],
    [ 'voxfra_ingest parameter', sub { $_[0] =~ s/voxfra_ingest;/voxfra_ingest fast=yes;/ },
      qr/"voxfra_ingest" directive invalid parameter "fast=yes"/ ],
    [ 'voxfra_ingest unknown zone', sub { $_[0] =~ s/voxfra_ingest;/voxfra_ingest zone=nope;/ },
      qr/unknown voxfra_zone "nope"/ ],
    [ 'voxfra_ingest without store', sub { $_[0] =~ s/voxfra_store [^;]*;// },
      qr/"voxfra_ingest" needs a "voxfra_store"/ ],
    [ 'voxfra_ingest without zone', sub { $_[0] =~ s/voxfra_zone [^;]*;// },
      qr/"voxfra_ingest" needs a "voxfra_zone"/ ],
    [ 'voxfra_rate_limit',     sub { $_[0] =~ s/voxfra_rate_limit 1000 r\/m;/voxfra_rate_limit fast;/ },
      qr/"voxfra_rate_limit" directive invalid rate "fast"/ ],
    [ 'voxfra_idempotency_window', sub { $_[0] =~ s/voxfra_idempotency_window 24h;/voxfra_idempotency_window soon;/ },
      qr/"voxfra_idempotency_window" directive invalid time "soon"/ ],
    [ 'voxfra_store in server', sub { $_[0] =~ s/(listen [^;]*;)/$1\n        voxfra_store x;/ },
      qr/"voxfra_store" directive is not allowed here/ ],
    [ 'voxfra_request_log abc', sub { $_[0] =~ s/voxfra_request_log 100;/voxfra_request_log abc;/ },
      qr/"voxfra_request_log" directive invalid value "abc"/ ],
    [ 'voxfra_request_log too many', sub { $_[0] =~ s/voxfra_request_log 100;/voxfra_request_log 100001;/ },
      qr/"voxfra_request_log" directive invalid value "100001"/ ],
    [ 'voxfra_request_log twice', sub { $_[0] =~ s/(voxfra_request_log 100;)/$1\n    voxfra_request_log 5;/ },
      qr/"voxfra_request_log" directive is duplicate/ ],
    [ 'voxfra_metrics with an argument', sub { $_[0] =~ s/voxfra_metrics;/voxfra_metrics on;/ },
      qr/invalid number of arguments in "voxfra_metrics" directive/ ],
    [ 'a voxfra_zone called voxfra_metrics', sub { $_[0] =~ s/voxfra_zone voxfra:10m;/voxfra_zone voxfra_metrics:1m;/ },
      qr/"voxfra_metrics" is already declared for a different use/ ],
);
for my $case (@bad) {
    my ($name, $edit, $want) = @$case;
    $t->write_conf(sub { my $c = shift; $edit->($c) or die "edit for $name did not apply"; $c });
    my ($rc, $text) = $t->nginx_test;
    isnt($rc, 0, "$name: nginx -t fails");
    like($text, $want, "$name: the message names the problem") or diag $text;
}

# Alternative spellings that are valid.
for my $case (['1000r/m' => sub { $_[0] =~ s/1000 r\/m/1000r\/m/ }],
              ['r/s'     => sub { $_[0] =~ s/1000 r\/m/10 r\/s/ }],
              ['durability=os' => sub { $_[0] =~ s/(voxfra_store [^;]*)durability=fsync/$1durability=os/ }],
              ['voxfra_request_log off' => sub { $_[0] =~ s/voxfra_request_log 100;/voxfra_request_log off;/ }],
              ['provider= and slug= with variables' =>
                   sub { $_[0] =~ s/voxfra_ingest;/voxfra_ingest zone=voxfra provider=\$arg_p slug=\$arg_s;/ }]) {
    my ($name, $edit) = @$case;
    $t->write_conf(sub { my $c = shift; $edit->($c) or die; $c });
    my ($rc, $text) = $t->nginx_test;
    is($rc, 0, "$name passes nginx -t") or diag $text;
}

# A report bigger than client_body_buffer_size is spooled to a temporary
# file (one [warn] each) and still accepted; with the buffer raised in the
# ingest location, as the README advises, it stays in memory.
{
    my $json = VoxfraTest->json;
    my $body_of = sub {
        $json->encode({ callId => $_[0], startedAt => '2026-11-23T10:00:00Z', durationSeconds => 60,
                        transcript => "Agent: hello, how can I help?\n" x 4000 });  # ~120 KB
    };
    my $spooled = qr/a client request body is buffered to a temporary file/;
    for my $case (['the default buffer', sub { $_[0] }, 1],
                  ['client_body_buffer_size 256k in the ingest location',
                   sub { $_[0] =~ s/voxfra_ingest;/voxfra_ingest;\n            client_body_buffer_size 256k;/ or die; $_[0] }, 0]) {
        my ($name, $edit, $want_spooled) = @$case;
        my $s = VoxfraTest->new(edit => $edit);
        my $ep = $s->create_endpoint(provider => 'custom');
        my $body = $body_of->("big-$want_spooled");
        cmp_ok(length $body, '>', 100_000, "$name: the body is over 100 KB");
        my $res = $s->post($ep->{path}, $body);
        is($res->{json}{status}, 'accepted', "$name: a 120 KB report is accepted") or diag $res->{body};
        my $record = $s->cli_json('calls', 'show', $res->{json}{recordId});
        is(length($record->{transcript} // ''), length($json->decode($body)->{transcript}),
           "$name: the whole transcript is stored");
        if ($want_spooled) {
            like($s->error_log, $spooled, "$name: NGINX spooled it to a temporary file");
        } else {
            unlike($s->error_log, $spooled, "$name: no temporary file");
        }
        $s->stop;
    }
}

# A store written by a newer release (its meta says a newer schema version)
# is refused on open, never misread: NGINX does not start, with an [emerg]
# naming the store's version, this release and the version it reads; the
# CLI refuses it too. The version is rewritten with mdb_load (lmdb-utils).
{
    my $s = VoxfraTest->new;
    $s->stop;
    my ($dump_code, $dump) = VoxfraTest::run_cmd('mdb_dump', '-s', 'meta', $s->db);
    my ($current) = $dump =~ /^ 736368656d61\n ([0-9a-f]{8})$/m or die "no schema version in:\n$dump";
    my $newer = unpack('V', pack('H*', $current)) + 1;
    my ($load_code, undef, $load_err) = VoxfraTest::run_cmd(
        { stdin => "VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 736368656d61\n "
                   . unpack('H*', pack('V', $newer)) . "\nDATA=END\n" },
        'mdb_load', '-s', 'meta', $s->db);
    is($load_code, 0, "the store's meta now says schema version $newer") or diag $load_err;
    my ($release) = (VoxfraTest::run_cmd(VoxfraTest::build() . '/voxfra', '--version'))[1] =~ /^voxfra (\S+)$/m;
    my $refusal = qr/has schema version $newer, written by a newer voxfra; this is voxfra \Q$release\E, which reads schema version ${\($newer - 1)} and older/;
    my ($code, $out, $err) = VoxfraTest::run_cmd($s->nginx_cmd);
    isnt($code, 0, 'NGINX does not start on a store of a newer schema');
    like($s->error_log, qr/\[emerg\].*voxfra_store "[^"]*": LMDB environment .*$refusal/,
         'its [emerg] names both schema versions and this release') or diag $s->error_log;
    ($code, undef, $err) = $s->cli('calls', 'list');
    is($code, 1, 'the CLI refuses it (exit 1)');
    like($err, $refusal, 'saying the same') or diag $err;
}
done_testing;
