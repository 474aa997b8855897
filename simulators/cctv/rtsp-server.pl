# Runs Debian's rtsp-server-perl (the RTSP::Server module and its /usr/bin script, unchanged)
# with a safer RTP port allocator. The stock one counts up from --rtp_start_port, but jumps back
# to the package's 20000 whenever a connection closes while nothing is mounted, and never checks
# a port is free: two servers on one host then share UDP ports (each receives the other's
# video), and a mount left by a killed publisher keeps its ports bound, so the next RECORD on
# them fails. This one cycles through [base, base + span) and skips pairs already bound.
#
# usage: perl rtsp-server.pl <base> <span> <bind address> </usr/bin/rtsp-server-perl> [server options]
use strict;
use warnings;
use IO::Socket::INET;
require RTSP::Server;

my ($base, $span, $host, $bin) = splice(@ARGV, 0, 4);
my $next = $base;

sub port_pair_free {
    my ($port) = @_;
    my @socks = map { IO::Socket::INET->new(Proto => 'udp', LocalAddr => $host, LocalPort => $_) } ($port, $port + 1);
    return (grep { defined } @socks) == 2; # the test sockets close as @socks goes out of scope
}

{
    no warnings 'redefine';
    *RTSP::Server::housekeeping = sub { };
    *RTSP::Server::next_rtp_start_port = sub {
        for (1 .. $span / 2) {
            my $port = $next;
            $next = $base + (($next - $base + 2) % $span);
            return $port if port_pair_free($port);
        }
        die "no free RTP port pair in $base-" . ($base + $span - 1) . "\n";
    };
}

$0 = $bin;
do $bin;
die $@ if $@;
