/*
 * delayproxy - a TCP forwarder on 127.0.0.1 that adds latency, for
 * benchmarking migration tools against a "remote" database.
 *
 *   delayproxy LISTEN_PORT TARGET_PORT DELAY_MS
 *
 * Listens on 127.0.0.1:LISTEN_PORT; each accepted connection is forwarded
 * to 127.0.0.1:TARGET_PORT. Every chunk read from either side is written to
 * the other side DELAY_MS milliseconds after it was read (so a round trip
 * costs 2 * DELAY_MS), in order. End of stream (FIN) is delayed the same
 * way. Single-threaded, poll-based. Exits on SIGTERM or SIGINT.
 *
 * SIGUSR1 freezes every connection open at that moment: from then on it
 * carries nothing either way and is never closed (what a network partition,
 * or a NAT or firewall that dropped the flow, looks like to both ends while
 * something in between still answers TCP). Connections made later are
 * forwarded as usual. The tests use it to simulate a silent partition.
 *
 * Build: cc -O2 -Wall -Wextra -o delayproxy delayproxy.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define MAX_QUEUED (32u << 20) /* stop reading a side while this much waits */

typedef struct chunk {
	struct chunk *next;
	int64_t due_ns;  /* monotonic time when it may be written */
	size_t len, off; /* len 0: end of stream */
	char data[];
} chunk;

/* one direction: bytes read from `from`, queued, written to `to` */
typedef struct pipe_dir {
	int from, to;
	chunk *head, *tail;
	size_t queued;
	int eof_read;   /* `from` reached end of stream */
	int done;       /* EOF delivered to `to` (shutdown SHUT_WR) */
} pipe_dir;

typedef struct conn {
	int cfd, sfd;
	pipe_dir d[2]; /* 0: client -> server, 1: server -> client */
	int dead;
	int frozen;    /* SIGUSR1: carries nothing, stays open */
} conn;

static volatile sig_atomic_t stop, freeze;

static void on_freeze(int sig)
{
	(void)sig;
	freeze = 1;
}
static int64_t delay_ns;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void set_nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static void free_queue(pipe_dir *p)
{
	while (p->head) {
		chunk *c = p->head;
		p->head = c->next;
		free(c);
	}
	p->tail = NULL;
	p->queued = 0;
}

static void conn_close(conn *c)
{
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->sfd >= 0)
		close(c->sfd);
	c->cfd = c->sfd = -1;
	free_queue(&c->d[0]);
	free_queue(&c->d[1]);
	c->dead = 1;
}

static int enqueue(pipe_dir *p, const char *data, size_t len)
{
	chunk *c = malloc(sizeof *c + len);
	if (!c)
		return -1;
	c->next = NULL;
	c->due_ns = now_ns() + delay_ns;
	c->len = len;
	c->off = 0;
	if (len)
		memcpy(c->data, data, len);
	if (p->tail)
		p->tail->next = c;
	else
		p->head = c;
	p->tail = c;
	p->queued += len;
	return 0;
}

/* read what is available on p->from; -1: the connection is broken */
static int pump_read(pipe_dir *p)
{
	static char buf[CHUNK];
	ssize_t n = read(p->from, buf, sizeof buf);
	if (n > 0)
		return enqueue(p, buf, (size_t)n);
	if (n == 0) {
		p->eof_read = 1;
		return enqueue(p, NULL, 0);
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return -1;
}

/* write the chunks that are due; -1: the connection is broken */
static int pump_write(pipe_dir *p, int64_t now)
{
	while (p->head && p->head->due_ns <= now) {
		chunk *c = p->head;
		if (c->len == 0) {
			shutdown(p->to, SHUT_WR);
			p->done = 1;
		} else {
			while (c->off < c->len) {
				ssize_t n = write(p->to, c->data + c->off, c->len - c->off);
				if (n < 0) {
					if (errno == EINTR)
						continue;
					if (errno == EAGAIN || errno == EWOULDBLOCK)
						return 0; /* wait for POLLOUT */
					return -1;
				}
				c->off += (size_t)n;
				p->queued -= (size_t)n;
			}
		}
		p->head = c->next;
		if (!p->head)
			p->tail = NULL;
		free(c);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int listen_port, target_port, delay_ms, lfd, one = 1;
	struct sockaddr_in la;
	struct sigaction sa;
	conn *conns = NULL;
	size_t nconns = 0, cap = 0, i;
	struct pollfd *pfds = NULL;
	size_t pcap = 0;

	if (argc != 4 || parse_int(argv[1], 1, 65535, &listen_port) ||
	    parse_int(argv[2], 1, 65535, &target_port) || parse_int(argv[3], 0, 600000, &delay_ms)) {
		fprintf(stderr, "usage: delayproxy LISTEN_PORT TARGET_PORT DELAY_MS\n");
		return 2;
	}
	delay_ns = (int64_t)delay_ms * 1000000;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_freeze;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("delayproxy: socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	la = loopback(listen_port);
	if (bind(lfd, (struct sockaddr *)&la, sizeof la) < 0 || listen(lfd, 64) < 0) {
		perror("delayproxy: bind/listen");
		return 1;
	}
	set_nonblock(lfd);

	while (!stop) {
		size_t np = 0, live = 0;
		int64_t now = now_ns(), next = -1;
		struct timespec ts, *tsp = NULL;
		int r;

		/* compact the connection table */
		for (i = 0; i < nconns; i++)
			if (!conns[i].dead)
				conns[live++] = conns[i];
		nconns = live;
		if (freeze) {
			freeze = 0;
			for (i = 0; i < nconns; i++)
				conns[i].frozen = 1;
			/* the acknowledgement a test waits for: nothing passes from now on */
			fprintf(stderr, "delayproxy: frozen %d connections\n", nconns);
		}

		if (pcap < 1 + 2 * nconns) {
			pcap = 2 * (1 + 2 * nconns);
			pfds = realloc(pfds, pcap * sizeof *pfds);
			if (!pfds) {
				fprintf(stderr, "delayproxy: out of memory\n");
				return 1;
			}
		}
		pfds[np].fd = lfd;
		pfds[np].events = POLLIN;
		pfds[np++].revents = 0;
		for (i = 0; i < nconns; i++) {
			conn *c = &conns[i];
			int k;
			short ev[2] = {0, 0}; /* 0: cfd, 1: sfd */
			for (k = 0; k < 2 && !c->frozen; k++) {
				pipe_dir *p = &c->d[k];
				int from_idx = k == 0 ? 0 : 1, to_idx = 1 - from_idx;
				if (!p->eof_read && p->queued < MAX_QUEUED)
					ev[from_idx] |= POLLIN;
				if (p->head) {
					if (p->head->due_ns <= now)
						ev[to_idx] |= POLLOUT;
					else if (next < 0 || p->head->due_ns < next)
						next = p->head->due_ns;
				}
			}
			/* a negative fd is ignored: no spinning on POLLHUP while nothing is wanted */
			pfds[np].fd = ev[0] ? c->cfd : -1;
			pfds[np].events = ev[0];
			pfds[np++].revents = 0;
			pfds[np].fd = ev[1] ? c->sfd : -1;
			pfds[np].events = ev[1];
			pfds[np++].revents = 0;
		}
		if (next >= 0) {
			int64_t wait = next - now;
			if (wait < 0)
				wait = 0;
			ts.tv_sec = (time_t)(wait / 1000000000);
			ts.tv_nsec = (long)(wait % 1000000000);
			tsp = &ts;
		}
		r = ppoll(pfds, np, tsp, NULL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("delayproxy: poll");
			break;
		}

		/* new connections */
		if (pfds[0].revents & POLLIN) {
			for (;;) {
				int cfd = accept(lfd, NULL, NULL), sfd;
				struct sockaddr_in ta;
				conn *c;
				if (cfd < 0)
					break;
				sfd = socket(AF_INET, SOCK_STREAM, 0);
				ta = loopback(target_port);
				if (sfd < 0 || connect(sfd, (struct sockaddr *)&ta, sizeof ta) < 0) {
					perror("delayproxy: connect to target");
					if (sfd >= 0)
						close(sfd);
					close(cfd);
					continue;
				}
				set_nonblock(cfd);
				set_nonblock(sfd);
				set_nodelay(cfd);
				set_nodelay(sfd);
				if (nconns == cap) {
					cap = cap ? 2 * cap : 16;
					conns = realloc(conns, cap * sizeof *conns);
					if (!conns) {
						fprintf(stderr, "delayproxy: out of memory\n");
						return 1;
					}
				}
				c = &conns[nconns++];
				memset(c, 0, sizeof *c);
				c->cfd = cfd;
				c->sfd = sfd;
				c->d[0].from = cfd;
				c->d[0].to = sfd;
				c->d[1].from = sfd;
				c->d[1].to = cfd;
			}
		}

		/* reads (the pollfd table matches conns[0 .. nconns before accepting]) */
		now = now_ns();
		for (i = 0; i < (np - 1) / 2; i++) {
			conn *c = &conns[i];
			short rc = pfds[1 + 2 * i].revents, rs = pfds[2 + 2 * i].revents;
			int bad = 0;
			if ((rc & (POLLIN | POLLHUP | POLLERR)) && !c->d[0].eof_read && pump_read(&c->d[0]) < 0)
				bad = 1;
			if (!bad && (rs & (POLLIN | POLLHUP | POLLERR)) && !c->d[1].eof_read && pump_read(&c->d[1]) < 0)
				bad = 1;
			if (bad)
				conn_close(c);
		}
		/* writes of what is due */
		now = now_ns();
		for (i = 0; i < nconns; i++) {
			conn *c = &conns[i];
			if (c->dead || c->frozen)
				continue;
			if (pump_write(&c->d[0], now) < 0 || pump_write(&c->d[1], now) < 0) {
				conn_close(c);
				continue;
			}
			if (c->d[0].done && c->d[1].done)
				conn_close(c);
		}
	}

	for (i = 0; i < nconns; i++)
		if (!conns[i].dead)
			conn_close(&conns[i]);
	free(conns);
	free(pfds);
	close(lfd);
	return 0;
}
