#!/usr/bin/env perl
# The README and docs/ stay one connected, self-contained set as people edit
# them: every relative link and #anchor between them resolves, every
# directive and variable the module defines is in the README, no code or test
# cites design notes outside the repository, every docs/ section a comment
# cites exists, and the user-facing text has no issue numbers or dated work
# diaries. Needs no build and no NGINX.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Basename qw(dirname);
use File::Find;
use File::Spec;

binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);

my $root = File::Spec->rel2abs("$FindBin::Bin/..");

sub slurp {
    my ($path) = @_;
    open(my $fh, '<:encoding(UTF-8)', $path) or die "$path: $!";
    local $/;
    return <$fh>;
}

# The text outside fenced code blocks, where links and headings count.
sub prose {
    my ($text) = @_;
    my @out;
    my $fence;
    for my $line (split /\n/, $text) {
        if ($line =~ /^\s*(```|~~~)/) {
            $fence = defined $fence ? undef : $1;
            push @out, '';
            next;
        }
        push @out, defined $fence ? '' : $line;
    }
    return join("\n", @out);
}

# GitHub's anchors: lower case, punctuation dropped, spaces to hyphens, and
# -1, -2, ... for repeated headings.
sub anchors {
    my ($text) = @_;
    my (%seen, %anchors);
    for my $line (split /\n/, prose($text)) {
        next unless $line =~ /^#{1,6}\s+(.*?)\s*#*\s*$/;
        my $slug = lc $1;
        $slug =~ s/\[([^\]]*)\]\([^)]*\)/$1/g;    # a link in a heading: its text
        $slug =~ s/[^\w\- ]//g;
        $slug =~ s/ /-/g;
        my $n = $seen{$slug}++;
        $anchors{$n ? "$slug-$n" : $slug} = 1;
    }
    for my $id ($text =~ /<a\s+(?:name|id)="([^"]+)"/g) { $anchors{$id} = 1 }
    return \%anchors;
}

my @docs = ('README.md', map { "docs/$_" } sort grep { /\.md$/ }
            do { opendir(my $d, "$root/docs") or die "docs/: $!"; readdir $d });
ok(scalar(grep { $_ eq 'docs/design.md' } @docs), 'docs/design.md exists');
ok(scalar(grep { $_ eq 'docs/providers.md' } @docs), 'docs/providers.md exists');

my %anchors_of;
for my $doc (@docs) { $anchors_of{$doc} = anchors(slurp("$root/$doc")) }

for my $doc (@docs) {
    my $text = prose(slurp("$root/$doc"));
    $text =~ s/`[^`\n]*`//g;    # code spans are not links
    my @broken;
    my $count = 0;
    while ($text =~ /\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g) {
        my $target = $1;
        next if $target =~ m{^[a-z][a-z0-9+.-]*:}i;    # http:, https:, mailto:
        $count++;
        my ($path, $anchor) = $target =~ /^([^#]*)(?:#(.*))?$/;
        my $file = $path eq '' ? $doc
                 : File::Spec->abs2rel(File::Spec->rel2abs($path, dirname("$root/$doc")), $root);
        if (!-e "$root/$file") {
            push @broken, "$target (no file $file)";
            next;
        }
        next unless defined $anchor && length $anchor;
        my $anchors = $anchors_of{$file} // ($file =~ /\.md$/ ? anchors(slurp("$root/$file")) : undef);
        push @broken, "$target (no heading #$anchor in $file)"
            if !$anchors || !$anchors->{$anchor};
    }
    ok(!@broken, "$doc: its $count relative links resolve") or diag join("\n", @broken);
}

# Every directive and variable the module defines is documented: the
# entries of its ngx_command_t and ngx_http_variable_t tables, each a line of
# its own beginning `{ngx_string("voxfra_...")`.
my %names;
for my $glue (glob "$root/ngx_voxfra_*.cpp") {
    $names{$_} = 1 for slurp($glue) =~ /^\s*\{\s*ngx_string\("(voxfra_\w+)"\)/mg;
}
ok(scalar(keys %names) >= 10, 'the module defines its directives and variables') or diag join(' ', sort keys %names);
my $readme = slurp("$root/README.md");
my @missing = grep { $readme !~ /`\$?\Q$_\E\b/ } sort keys %names;
ok(!@missing, 'the README documents every directive and variable') or diag "missing: @missing";

# User-facing text: no issue numbers, no dated diaries.
for my $doc (@docs) {
    my @bad = grep { /\bissue\s+#?\d+/i || /What changed on \d/ } split /\n/, slurp("$root/$doc");
    ok(!@bad, "$doc: no issue numbers or dated diaries") or diag join("\n", @bad);
}

# Code, tests and scripts cite docs/, never the planners' notes outside the
# repository.
my $outside = join('|', 'DESIGN' . '\.md', '(?<!docs/)providers' . '\.md');
my @citing;
find({ no_chdir => 1, wanted => sub {
    if (-d $_) {
        $File::Find::prune = 1 if m{/(?:\.git|build[^/]*|node_modules|var)$};
        return;
    }
    return unless m{\.(?:cpp|h|t|pm|js|lua|sh|cmake|txt)$} || m{/(?:scripts|\.ci)/[^/.]+$} || m{/config$};
    my $rel = File::Spec->abs2rel($_, $root);
    my $n = 0;
    for my $line (split /\n/, slurp($_)) {
        $n++;
        push @citing, "$rel:$n: $line" if $line =~ /$outside/;
    }
} }, $root);
ok(!@citing, 'no code, test or script cites design notes outside the repository')
    or diag join("\n", @citing);

# A comment that cites a section, `docs/<name>.md, "Section"`, names a heading
# that exists there.
my %headings;
for my $doc (@docs) {
    $headings{$doc}{ lc $_ } = 1 for prose(slurp("$root/$doc")) =~ /^#{1,6}\s+(.*?)\s*$/mg;
}
my @unknown;
find({ no_chdir => 1, wanted => sub {
    if (-d $_) {
        $File::Find::prune = 1 if m{/(?:\.git|build[^/]*|node_modules|var)$};
        return;
    }
    return unless m{\.(?:cpp|h|t|pm)$};
    my $rel = File::Spec->abs2rel($_, $root);
    my $text = slurp($_);
    $text =~ s{\n\s*(?://|#)\s*}{ }g;    # a citation may wrap onto the next comment line
    while ($text =~ m{(docs/\w+\.md)[,(\s]+"([^"]+)"}g) {
        my ($doc, $section) = ($1, $2);
        if (!$headings{$doc}) {
            note "$rel cites $doc, which is not in the repository yet";
            next;
        }
        push @unknown, "$rel: $doc \"$section\"" unless $headings{$doc}{ lc $section };
    }
} }, $root);
ok(!@unknown, 'every section a comment cites in docs/ exists') or diag join("\n", @unknown);

done_testing;
