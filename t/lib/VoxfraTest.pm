package VoxfraTest;

# The integration tests' harness: a real NGINX (the Debian binary) loading
# the built module, from conf/examples/nginx.conf, in a temporary prefix on a
# free loopback port; the real `voxfra` CLI; HTTP over real sockets. Core
# Perl only.

use strict;
use warnings;
use Carp qw(croak);
use Digest::SHA qw(hmac_sha256 sha256);
use MIME::Base64 qw(encode_base64);
use Scalar::Util ();
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use IPC::Open3 qw(open3);
use JSON::PP;
use Symbol qw(gensym);
use Test::More;
use Time::HiRes qw(sleep time);


my $ROOT = abs_path(dirname(__FILE__) . '/../..');
my $BUILD = abs_path($ENV{VOXFRA_BUILD} // "$ROOT/build");
my $NGINX = $ENV{NGINX_BIN} // '/usr/sbin/nginx';
# VOXFRA_NGINX_ENV="NAME=value ...": NGINX alone runs with these (scripts/
# test-asan-module: LD_PRELOAD of the sanitizer runtimes, ASAN_OPTIONS), and
# its configuration passes them on (`env NAME;`) to a binary upgrade's master.
my @NGINX_ENV = grep { /^\w+=/ } split ' ', $ENV{VOXFRA_NGINX_ENV} // '';
my $JSON = JSON::PP->new->utf8->canonical;

# A server may close while a test is still sending (413): see the answer, not SIGPIPE.
$SIG{PIPE} = "IGNORE";

sub root { $ROOT }
# NGINX runs under ASan (scripts/test-asan-module): its allocator keeps
# freed memory a while, so a heap's size says little there.
sub sanitized { return scalar grep { /^ASAN_OPTIONS=/ } @NGINX_ENV }
sub build { $BUILD }

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1)
        or croak "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# VoxfraTest->new(%opts) starts NGINX. Options:
#   edit => sub { my $conf = shift; ...; return $conf }  changes the example conf
#   start => 0                                          only prepares the prefix
sub new {
    my ($class, %opts) = @_;
    -x "$BUILD/voxfra" && -f "$BUILD/ngx_http_voxfra_module.so"
        or croak "build first: $BUILD/voxfra and ngx_http_voxfra_module.so are missing";
    my $dir = tempdir('voxfra-t-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{VOXFRA_KEEP});
    chmod 0755, $dir;
    my $self = bless { dir => $dir, port => free_port(), opts => \%opts }, $class;
    make_path("$dir/conf", "$dir/logs", "$dir/tmp", "$dir/data");
    symlink($BUILD, "$dir/modules") or croak "symlink: $!";
    # `location /console/` of the example, copied: the workers (nobody) read
    # it, and the clone may be where they cannot reach (a 0700 home).
    system('cp', '-R', "$ROOT/console", "$dir/console") == 0 or croak "cp console: $?";
    $self->write_conf($opts{edit});
    $self->start unless defined $opts{start} && !$opts{start};
    return $self;
}

sub dir  { $_[0]{dir} }
sub port { $_[0]{port} }
sub db   { $_[0]{db} // "$_[0]{dir}/data/voxfra" }   # {db}: a test that moves the store
sub url  { "http://127.0.0.1:$_[0]{port}$_[1]" }

# The example configuration, on this test's port, edited by the caller.
sub write_conf {
    my ($self, $edit) = @_;
    open my $in, '<', "$ROOT/conf/examples/nginx.conf" or croak $!;
    my $conf = do { local $/; <$in> };
    close $in;
    my $port = $self->{port};
    $conf =~ s/listen 127\.0\.0\.1:8080;/listen 127.0.0.1:$port;/ or croak "example conf has no listen line";
    $conf = join('', map { /^(\w+)=/ ? "env $1;\n" : () } @NGINX_ENV) . $conf if @NGINX_ENV;
    $conf = $edit->($conf) if $edit;
    $self->{conf} = $conf;
    open my $out, '>', "$self->{dir}/conf/nginx.conf" or croak $!;
    print $out $conf;
    close $out;
    return $conf;
}

sub nginx_cmd {
    my ($self, @args) = @_;
    return ((@NGINX_ENV ? ('env', @NGINX_ENV) : ()), $NGINX, '-p', "$self->{dir}/", '-c', "$self->{dir}/conf/nginx.conf",
            '-e', "$self->{dir}/logs/error.log", @args);
}

# Runs a command; returns (exit code, stdout, stderr).
sub run_cmd {
    my (@cmd) = @_;
    my $input;
    if (ref $cmd[0] eq 'HASH') { $input = shift(@cmd)->{stdin} }
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, @cmd);
    print $in $input if defined $input;
    close $in;
    my ($stdout, $stderr) = ('', '');
    my $sel = IO::Select->new($out, $err);
    while (my @ready = $sel->can_read(30)) {
        for my $fh (@ready) {
            my $n = sysread($fh, my $buf, 65536);
            if (!$n) { $sel->remove($fh); next }
            if ($fh == $out) { $stdout .= $buf } else { $stderr .= $buf }
        }
        last unless $sel->count;
    }
    waitpid($pid, 0);
    return ($? >> 8, $stdout, $stderr);
}

sub nginx_test {
    my ($self) = @_;
    my ($code, $out, $err) = run_cmd($self->nginx_cmd('-t'));
    return ($code, $out . $err);
}

# Every NGINX a test started, stopped in an END block that runs before
# File::Temp removes the prefixes (END blocks run last-defined first).
my %RUNNING;
END { $_->stop for grep { defined } values %RUNNING }

sub start {
    my ($self) = @_;
    my ($code, $out, $err) = run_cmd($self->nginx_cmd());
    croak "nginx did not start ($code): $out$err\n" . $self->error_log if $code;
    $self->wait_port or croak "nginx is not listening on $self->{port}\n" . $self->error_log;
    $self->{running} = 1;
    $self->{pid} = $self->master_pid;
    # The master listens before it forks: wait for the workers too.
    my ($want) = $self->{conf} =~ /^\s*worker_processes\s+(\d+);/m;
    for (1 .. 100) { last if $self->worker_pids >= ($want // 1); sleep 0.05 }
    $RUNNING{"$self"} = $self;
    Scalar::Util::weaken($RUNNING{"$self"});
    return $self;
}

sub wait_port {
    my ($self) = @_;
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port}, Timeout => 1);
        if ($s) { close $s; return 1 }
        sleep 0.05;
    }
    return 0;
}

sub master_pid {
    my ($self) = @_;
    open my $fh, '<', "$self->{dir}/logs/nginx.pid" or return;
    chomp(my $pid = <$fh> // '');
    return $pid;
}

sub worker_pids {
    my ($self) = @_;
    my $master = $self->master_pid or return ();
    return $self->worker_pids_of($master);
}

sub worker_pids_of {
    my ($self, $master) = @_;
    my @pids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh> // next;
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S (\d+)/ or next;
        push @pids, $pid if $ppid == $master;
    }
    return @pids;
}

# Graceful (QUIT), then KILL after 10 s; by pid, so that it works even when
# the prefix is already gone.
sub stop {
    my ($self) = @_;
    return unless $self->{running};
    $self->{running} = 0;
    delete $RUNNING{"$self"};
    my $pid = $self->master_pid || $self->{pid} or return;
    kill 'QUIT', $pid;
    for (1 .. 200) { return unless kill 0, $pid; sleep 0.05 }
    # Stuck: the workers first, while they are still the master's children.
    kill 'KILL', $self->worker_pids_of($pid);
    kill 'KILL', $pid;
}

sub reload {
    my ($self) = @_;
    my ($code, $out, $err) = run_cmd($self->nginx_cmd('-s', 'reload'));
    croak "reload failed: $out$err" if $code;
    sleep 0.5;
}

sub error_log {
    my ($self) = @_;
    open my $fh, '<', "$self->{dir}/logs/error.log" or return '';
    local $/;
    return <$fh>;
}

sub access_log {
    my ($self) = @_;
    open my $fh, '<', "$self->{dir}/logs/access.log" or return '';
    local $/;
    return <$fh>;
}

# The error log holds no [alert] or [emerg] and no crashed worker.
# $expected: a pattern for lines the test caused on purpose (a worker it killed).
sub check_error_log {
    my ($self, $name, $expected) = @_;
    my $log = $self->error_log;
    my @bad = grep { /\[(alert|emerg|crit)\]|exited on signal/ && !($expected && /$expected/) } split /\n/, $log;
    ok(!@bad, $name // 'error log has no alert, emerg, crit or crashed worker')
        or diag join "\n", @bad;
}

sub DESTROY {
    my ($self) = @_;
    local ($?, $!, $@);
    $self->stop if $self->{running};
}

# ---------------------------------------------------------------------------
# The CLI

# $t->cli(@args) runs build/voxfra --db <db> @args; returns (exit, stdout, stderr).
sub cli {
    my ($self, @args) = @_;
    return run_cmd("$BUILD/voxfra", '--db', $self->db, @args);
}

# $t->cli_json(@args): runs with --json, dies unless it exits 0; returns the data.
sub cli_json {
    my ($self, @args) = @_;
    my ($code, $out, $err) = $self->cli(@args, '--json');
    croak "voxfra @args failed ($code): $err" if $code;
    return $JSON->decode($out);
}

# $t->endpoint_counted($slug, $n): `endpoint show` once its counters reach $n
# requests (they reach LMDB with the once-a-second flush), or after 10 s.
sub endpoint_counted {
    my ($self, $slug, $n) = @_;
    my $shown;
    for (1 .. 50) {
        $shown = $self->cli_json('endpoint', 'show', $slug);
        last if ($shown->{requests} // 0) >= $n;
        sleep 0.2;
    }
    return $shown;
}

# $t->write_file($name, $text): writes a file in the test's directory (a
# secret for --secret-file); returns its path.
sub write_file {
    my ($self, $name, $text) = @_;
    my $path = "$self->{dir}/$name";
    open my $fh, '>', $path or croak "$path: $!";
    print $fh $text;
    close $fh;
    return $path;
}

sub create_endpoint {
    my ($self, %o) = @_;
    my @args = ('endpoint', 'create', '--org', $o{org} // 'acme', '--client', $o{client} // 'dental',
                '--provider', $o{provider} // 'vapi');
    push @args, @{ $o{args} } if $o{args};
    return $self->cli_json(@args);
}

# ---------------------------------------------------------------------------
# HTTP over a plain socket, so that tests control every byte.

# $t->request(METHOD, PATH, body => ..., headers => [name => value, ...],
#             chunks => [..] (sent chunked), no_body => 1 (headers only),
#             from => '127.0.0.2' (another client address on the loopback))
# Returns { status, headers (lowercase names), body, json }.
sub request {
    my ($self, $method, $path, %o) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port}, Timeout => 10,
                                  $o{from} ? (LocalAddr => $o{from}) : ())
        or croak "connect: $!";
    my @h = @{ $o{headers} // [] };
    my %has;
    for (my $i = 0; $i < @h; $i += 2) { $has{ lc $h[$i] } = 1 }
    my $head = "$method $path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (my $i = 0; $i < @h; $i += 2) { $head .= "$h[$i]: $h[$i + 1]\r\n" }
    if ($o{chunks}) {
        $head .= "Transfer-Encoding: chunked\r\n";
    } elsif (defined $o{body} && !$has{'content-length'}) {
        $head .= "Content-Length: " . length($o{body}) . "\r\n";
    }
    $head .= "Content-Type: application/json\r\n" if (defined $o{body} || $o{chunks}) && !$has{'content-type'};
    $s->syswrite("$head\r\n");
    if ($o{chunks}) {
        for my $c (@{ $o{chunks} }) {
            last unless $s->connected;
            $s->syswrite(sprintf("%x\r\n%s\r\n", length $c, $c));
            sleep($o{chunk_delay} // 0);
        }
        $s->syswrite("0\r\n\r\n") if $s->connected;
    } elsif (defined $o{body} && !$o{no_body}) {
        $s->syswrite($o{body});
    }
    my $raw = '';
    my $sel = IO::Select->new($s);
    while ($sel->can_read(15)) {
        my $n = sysread($s, my $buf, 65536);
        last unless $n;
        $raw .= $buf;
    }
    close $s;
    return parse_response($raw);
}

sub post {
    my ($self, $path, $body, @headers) = @_;
    return $self->request('POST', $path, body => $body, headers => [@headers]);
}

sub parse_response {
    my ($raw) = @_;
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    $head //= '';
    my ($status) = $head =~ m{^HTTP/1\.[01] (\d{3})};
    my %headers;
    for my $line (split /\r\n/, $head) {
        my ($k, $v) = $line =~ /^([^:]+):\s*(.*)$/ or next;
        $headers{lc $k} = $v;
    }
    $body //= '';
    if (($headers{'transfer-encoding'} // '') =~ /chunked/i) {
        my $decoded = '';
        while ($body =~ s/^([0-9a-fA-F]+)\r\n//) {
            my $len = hex $1;
            last if $len == 0;
            $decoded .= substr($body, 0, $len, '');
            $body =~ s/^\r\n//;
        }
        $body = $decoded;
    }
    my $json = eval { $JSON->decode($body) };
    return { status => $status // 0, headers => \%headers, body => $body, json => $json, raw => $raw };
}

sub json { $JSON }

# An HS256 JWT over $claims (a hash), made here, independently of any SDK
# and of Voxfra.
sub b64url { my $s = encode_base64($_[0], ''); $s =~ tr{+/}{-_}; $s =~ s/=+\z//; $s }
sub hs256_jwt {
    my ($secret, $claims) = @_;
    my $signed = b64url('{"alg":"HS256","typ":"JWT"}') . '.' . b64url($JSON->encode($claims));
    return "$signed." . b64url(hmac_sha256($signed, $secret));
}

# The Authorization header LiveKit sends with $body (docs/providers.md):
# iss the API key, sha256 the body's base64 SHA-256, valid for 5 minutes.
sub livekit_authorization {
    my ($secret, $api_key, $body) = @_;
    my $now = int time;
    return hs256_jwt($secret, { iss => $api_key, nbf => $now, exp => $now + 300,
                                sha256 => encode_base64(sha256($body), '') });
}

# A slug as the logs show it (README, security model): its first four
# characters and '*' for the rest.
# How logs show a slug (src/util/mask.h): a run of at least 22 slug
# characters keeps its first 4; anything shorter is not slug-shaped and stays.
sub masked_slug {
    my ($slug) = @_;
    return $slug unless $slug =~ /\A[A-Za-z0-9_-]{22,}\z/;
    return substr($slug, 0, 4) . '*' x (length($slug) - 4);
}

# $t->metrics: GET /metrics, parsed. Returns { res, samples => { 'name{labels}' => value },
# types => { family => type }, helps => { family => 1 } }.
sub metrics {
    my ($self, $path) = @_;
    my $res = $self->request('GET', $path // '/metrics');
    my (%samples, %types, %helps);
    for my $line (split /\n/, $res->{body}) {
        if ($line =~ /^# TYPE (\S+) (\S+)$/) { $types{$1} = $2; next }
        if ($line =~ /^# HELP (\S+) /) { $helps{$1} = 1; next }
        next if $line =~ /^#/ || $line eq '';
        my ($name, $value) = $line =~ /^(\S+(?:\{.*\})?) (\S+)$/ or next;
        $samples{$name} = $value;
    }
    return { res => $res, samples => \%samples, types => \%types, helps => \%helps };
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<:raw', $path or croak "$path: $!";
    local $/;
    return <$fh>;
}

sub fixture { slurp("$ROOT/$_[1]") }

# ---------------------------------------------------------------------------
# The Management API (`location /api/ { voxfra_api; }` in the example conf)

# $t->api_get('/v1/calls?limit=2', $token): a GET with the bearer token (none when undef).
sub api_get {
    my ($self, $path, $token, @headers) = @_;
    push @headers, Authorization => "Bearer $token" if defined $token;
    return $self->request('GET', "/api$path", headers => \@headers);
}

# $t->create_token(org => 'acme' | all => 1, name => ..., role => 'admin'): the token's --json answer.
sub create_token {
    my ($self, %o) = @_;
    my @args = ('token', 'create', $o{all} ? '--all' : ('--org', $o{org}));
    push @args, '--name', $o{name} if defined $o{name};
    push @args, '--role', $o{role} if defined $o{role};
    return $self->cli_json(@args);
}

# $t->api_write(METHOD, PATH below /api, $token, $body (text, or a reference
# encoded as JSON, or undef for none), headers => [...]): a Management API write.
sub api_write {
    my ($self, $method, $path, $token, $body, @headers) = @_;
    push @headers, Authorization => "Bearer $token" if defined $token;
    $body = $JSON->encode($body) if ref $body;
    return $self->request($method, "/api$path", defined $body ? (body => $body) : (), headers => \@headers);
}

# ---------------------------------------------------------------------------
# Validates the API's answers (each { name, ... } as t/api/validate.js
# takes them) against docs/openapi.json's schemas with ajv: one test each.
sub check_openapi {
    my ($answers) = @_;
    my $root = root();
    my ($npm_ok, $npm_why) = npm_install("$root/t/api");
  SKIP: {
        Test::More::skip("OpenAPI validation $npm_why", 1) unless $npm_ok;
        my ($code, $out, $err) = run_cmd({ stdin => json()->encode($answers) }, 'node', "$root/t/api/validate.js",
                                         "$root/docs/openapi.json");
        Test::More::is($code, 0, 'the validator ran') or Test::More::diag($err);
        my $results = eval { json()->decode($out) } // [];
        Test::More::is(scalar @$results, scalar @$answers, scalar(@$answers) . ' answers validated');
        for my $r (@$results) {
            Test::More::ok($r->{ok}, "matches docs/openapi.json: $r->{name}")
                or Test::More::diag(join "\n", @{ $r->{errors} });
        }
    }
}

# Node.js packages a test needs, from the npm registry into a folder of the
# test's own (never globally, never committed). Returns (1, '') or (0, the
# reason to skip with).
sub npm_install {
    my ($dir) = @_;
    for my $tool (qw(node npm)) {
        my ($code) = run_cmd('sh', '-c', "command -v $tool");
        return (0, "skipped: $tool is not installed") if $code;
    }
    # Quiet, bounded retries: an unreachable registry fails within a minute or two.
    my $log = "$dir/npm-install.log";
    my $rc = system("npm install --prefix '$dir' --no-audit --no-fund --loglevel=error "
                    . "--fetch-retries=1 --fetch-timeout=30000 > '$log' 2>&1");
    my @lines = grep { /\S/ } split /\n/, (eval { slurp($log) } // '');
    unlink $log;
    if ($rc != 0) {
        diag join "\n", 'npm install failed:', @lines[0 .. ($#lines < 5 ? $#lines : 5)];
        return (0, 'skipped: npm registry unreachable');
    }
    return (1, '');
}

1;
