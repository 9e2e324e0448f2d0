/*
 * test_cloexec.c - every descriptor libzcn creates is close-on-exec: checked with fcntl(F_GETFD), and
 * by executing a child that reports which of the parent's descriptor numbers it inherited.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zcn_test.h"

/* The child mode: this executable re-executed as `test_cloexec --probe N...` prints "N:open" or
 * "N:closed" for each number. It opens nothing itself, so no number can be reused before the check. */
static int probe_main(int argc, char **argv) {
    for (int i = 2; i < argc; i++) {
        int fd = atoi(argv[i]);
        printf("%d:%s\n", fd, fcntl(fd, F_GETFD) >= 0 ? "open" : "closed");
    }
    return 0;
}

static char self_path[PATH_MAX];

#define MAX_FDS 16

typedef struct fd_set_under_test {
    int fds[MAX_FDS];
    const char *what[MAX_FDS];
    int count;
} fd_set_under_test;

static void add_fd(fd_set_under_test *set, int fd, const char *what) {
    if (fd < 0) {
        fprintf(stderr, "  creating %s failed: %d (%s)\n", what, fd, zcn_test_name(fd));
        zcn_test_current_failed = 1;
        return;
    }
    REQUIRE(set->count < MAX_FDS);
    set->fds[set->count] = fd;
    set->what[set->count] = what;
    set->count++;
}

static void close_all(fd_set_under_test *set) {
    for (int i = 0; i < set->count; i++)
        CHECK_EQ(zcn_close(set->fds[i]), 0);
    set->count = 0;
}

static char scratch_dir[] = "/tmp/zcn-cloexec-XXXXXX";
static char scratch_file[sizeof(scratch_dir) + 16];

/* Creates one descriptor of every kind the library makes, including calls that pass no ZCN_O_CLOEXEC. */
static void create_library_fds(fd_set_under_test *set) {
    int32_t pipe_fds[2] = {-1, -1};
    int32_t packet_fds[2] = {-1, -1};
    add_fd(set, zcn_open(scratch_file, ZCN_O_RDWR | ZCN_O_CREAT, 0600), "zcn_open(O_RDWR|O_CREAT)");
    add_fd(set, zcn_open(scratch_file, ZCN_O_RDONLY, 0), "zcn_open(O_RDONLY)");
    add_fd(set, zcn_open(scratch_file, ZCN_O_WRONLY | ZCN_O_APPEND, 0), "zcn_open(O_WRONLY|O_APPEND)");
    add_fd(set, zcn_open(scratch_dir, ZCN_O_RDONLY | ZCN_O_DIRECTORY, 0), "zcn_open(O_DIRECTORY)");
    add_fd(set, zcn_open(scratch_file, ZCN_O_PATH, 0), "zcn_open(O_PATH)");
    add_fd(set, zcn_open(scratch_dir, ZCN_O_RDWR | ZCN_O_TMPFILE, 0600), "zcn_open(O_TMPFILE)");
    CHECK_EQ(zcn_pipe(pipe_fds, ZCN_PIPE_NONE), 0);
    add_fd(set, pipe_fds[0], "zcn_pipe read end");
    add_fd(set, pipe_fds[1], "zcn_pipe write end");
    CHECK_EQ(zcn_pipe(packet_fds, ZCN_PIPE_NONBLOCK | ZCN_PIPE_PACKET), 0);
    add_fd(set, packet_fds[0], "zcn_pipe(NONBLOCK|PACKET) read end");
    add_fd(set, packet_fds[1], "zcn_pipe(NONBLOCK|PACKET) write end");
    add_fd(set, zcn_memfd_create("zcn-cloexec", ZCN_MFD_NONE), "zcn_memfd_create(NONE)");
    add_fd(set, zcn_memfd_create("zcn-cloexec-sealing", ZCN_MFD_ALLOW_SEALING), "zcn_memfd_create(ALLOW_SEALING)");
}

/* Runs the probe child with the given numbers and fills open_in_child[i] with 1 when fds[i] was inherited. */
static void run_probe_child(const int *fds, int count, int *open_in_child) {
    int capture[2];
    REQUIRE(pipe2(capture, O_CLOEXEC) == 0);
    char numbers[MAX_FDS + 1][16];
    char *argv[MAX_FDS + 4];
    int argc = 0;
    argv[argc++] = self_path;
    argv[argc++] = (char *)"--probe";
    for (int i = 0; i < count; i++) {
        snprintf(numbers[i], sizeof(numbers[i]), "%d", fds[i]);
        argv[argc++] = numbers[i];
    }
    argv[argc] = NULL;

    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        /* dup2 leaves the new stdout without FD_CLOEXEC, so the output survives exec; the capture
         * pipe's own descriptors keep FD_CLOEXEC and vanish. */
        if (dup2(capture[1], STDOUT_FILENO) < 0) _exit(126);
        execv(self_path, argv);
        _exit(127);
    }
    close(capture[1]);
    /* A leading newline lets every line be matched whole ("\n3:open\n" must not match "13:open"). */
    char output[4096] = "\n";
    size_t used = 1;
    for (int guard = 0; guard < 1000 && used < sizeof(output) - 1; guard++) {
        ssize_t got = read(capture[0], output + used, sizeof(output) - 1 - used);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        used += (size_t)got;
    }
    output[used] = '\0';
    close(capture[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    for (int i = 0; i < count; i++) {
        char open_line[32], closed_line[32];
        snprintf(open_line, sizeof(open_line), "\n%d:open\n", fds[i]);
        snprintf(closed_line, sizeof(closed_line), "\n%d:closed\n", fds[i]);
        int is_open = strstr(output, open_line) != NULL;
        int is_closed = strstr(output, closed_line) != NULL;
        REQUIRE(is_open != is_closed); /* the child answered for every number, exactly once */
        open_in_child[i] = is_open;
    }
}

static void test_every_library_fd_has_fd_cloexec(void) {
    fd_set_under_test set = {.count = 0};
    create_library_fds(&set);
    CHECK_EQ(set.count, 12);
    for (int i = 0; i < set.count; i++) {
        int fd_flags = fcntl(set.fds[i], F_GETFD);
        if (fd_flags < 0 || (fd_flags & FD_CLOEXEC) == 0) {
            fprintf(stderr, "  %s (fd %d) lacks FD_CLOEXEC (F_GETFD = %d)\n", set.what[i], set.fds[i], fd_flags);
            zcn_test_current_failed = 1;
        }
    }
    close_all(&set);
}

static void test_no_library_fd_survives_exec(void) {
    fd_set_under_test set = {.count = 0};
    create_library_fds(&set);
    REQUIRE(set.count == 12);
    /* A positive control: a duplicate without FD_CLOEXEC must show up in the child, which proves the
     * probe can see an inherited descriptor at all. */
    int control = fcntl(set.fds[0], F_DUPFD, 3);
    REQUIRE(control >= 0);
    REQUIRE((fcntl(control, F_GETFD) & FD_CLOEXEC) == 0);

    int numbers[MAX_FDS + 1];
    int inherited[MAX_FDS + 1];
    for (int i = 0; i < set.count; i++)
        numbers[i] = set.fds[i];
    numbers[set.count] = control;
    run_probe_child(numbers, set.count + 1, inherited);
    for (int i = 0; i < set.count; i++) {
        if (inherited[i]) {
            fprintf(stderr, "  %s (fd %d) was inherited across exec\n", set.what[i], set.fds[i]);
            zcn_test_current_failed = 1;
        }
    }
    CHECK_EQ(inherited[set.count], 1);
    close(control);
    close_all(&set);
}

static void test_fcntl_dupfd_of_library_fd_is_the_only_way_to_inherit(void) {
    /* Explicitly asking for O_CLOEXEC changes nothing: it is added in every case. */
    int fd = zcn_open(scratch_file, ZCN_O_RDONLY | ZCN_O_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    int memfd = zcn_memfd_create("zcn-cloexec-explicit", ZCN_MFD_CLOEXEC);
    REQUIRE(memfd >= 0);
    CHECK(fcntl(memfd, F_GETFD) & FD_CLOEXEC);
    int numbers[2] = {fd, memfd};
    int inherited[2] = {1, 1};
    run_probe_child(numbers, 2, inherited);
    CHECK_EQ(inherited[0], 0);
    CHECK_EQ(inherited[1], 0);
    CHECK_EQ(zcn_close(fd), 0);
    CHECK_EQ(zcn_close(memfd), 0);
}

static void test_internal_descriptors_do_not_leak(void) {
    /* zcn_capabilities and zcn_dio_alignment open descriptors of their own (sysctl, sysfs, a temporary
     * file); afterwards the lowest free number is the same as before. */
    int before = fcntl(0, F_DUPFD_CLOEXEC, 0);
    REQUIRE(before >= 0);
    close(before);
    (void)zcn_capabilities();
    int fd = zcn_open(scratch_file, ZCN_O_RDONLY, 0);
    REQUIRE(fd >= 0);
    zcn_dio_info info;
    CHECK_EQ(zcn_dio_alignment(fd, &info), 0);
    CHECK_EQ(zcn_close(fd), 0);
    int after = fcntl(0, F_DUPFD_CLOEXEC, 0);
    REQUIRE(after >= 0);
    close(after);
    CHECK_EQ(after, before);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--probe") == 0) return probe_main(argc, argv);

    /* readlink rather than executing /proc/self/exe: under valgrind the latter is the valgrind tool. */
    ssize_t length = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
    if (length <= 0) {
        fprintf(stderr, "cannot resolve /proc/self/exe\n");
        return EXIT_FAILURE;
    }
    self_path[length] = '\0';
    if (mkdtemp(scratch_dir) == NULL) {
        fprintf(stderr, "mkdtemp failed\n");
        return EXIT_FAILURE;
    }
    snprintf(scratch_file, sizeof(scratch_file), "%s/file", scratch_dir);

    RUN(test_every_library_fd_has_fd_cloexec);
    RUN(test_no_library_fd_survives_exec);
    RUN(test_fcntl_dupfd_of_library_fd_is_the_only_way_to_inherit);
    RUN(test_internal_descriptors_do_not_leak);

    unlink(scratch_file);
    rmdir(scratch_dir);
    return zcn_test_summary();
}
