/* bench helper: MD5, SHA-1 and SHA-256 of one file, each on its own thread (libgcrypt,
 * the library custody-acquire hashes with), SHA-1 and SHA-256 at a lower priority than
 * MD5 as in custody's pipelines: the machine's hash-alone limit. Built by
 * bench/acquire.sh; not part of the tools. Usage: hash3 FILE
 * hash3 --sha256 FILE: SHA-256 alone (the hash custody-acquire computes of each
 * output file for the manifest). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <gcrypt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char *path;

static void *
run(void *arg)
{
    int algo = *(int *)arg, fd = open(path, O_RDONLY);

    /* as custody's pipelines do (common/thread_prio.h): MD5, the slowest and
     * sequential, keeps a core; the other two share the rest */
    if (algo != GCRY_MD_MD5)
        setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
    size_t size = 4 << 20;
    char *buf = malloc(size);
    gcry_md_hd_t h;
    ssize_t n;

    if (fd < 0 || !buf || gcry_md_open(&h, algo, 0))
        exit(2);
    while ((n = read(fd, buf, size)) > 0)
        gcry_md_write(h, buf, (size_t)n);
    gcry_md_final(h);
    gcry_md_close(h);
    close(fd);
    free(buf);
    return NULL;
}

int
main(int argc, char **argv)
{
    static int algos[3] = {GCRY_MD_MD5, GCRY_MD_SHA1, GCRY_MD_SHA256};
    pthread_t t[3];
    int first = 0;

    if (argc == 3 && !strcmp(argv[1], "--sha256"))
        first = 2;
    else if (argc != 2)
        return 2;
    path = argv[argc - 1];
    gcry_check_version(NULL);
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    for (int i = first; i < 3; i++)
        pthread_create(&t[i], NULL, run, &algos[i]);
    for (int i = first; i < 3; i++)
        pthread_join(t[i], NULL);
    return 0;
}
