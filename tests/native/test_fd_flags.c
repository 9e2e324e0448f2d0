/*
 * test_fd_flags.c - zcn_fd_query's descriptor_flags (fcntl F_GETFD): ZCN_FD_CLOEXEC on every descriptor the
 * library opens, none on a dup'ed or inherited one, and the case a program guards against at start: a
 * standard descriptor that was closed when the program was executed and that something inside the process
 * has reused since (it has FD_CLOEXEC; an inherited one never does).
 */
#include <limits.h>
#include <sys/wait.h>

#include "zcn_test.h"
#include "zcn_fixtures.h"

static char self_path[PATH_MAX];

/* The child mode, run as `test_fd_flags --probe N`: prints what zcn_fd_query says of descriptor N before and
 * after the child opens one file itself, "N:<result>:<flags> <opened fd>:<result>:<flags>". */
static int probe_main(const char *number) {
    int fd = atoi(number);
    zcn_fd_info info;
    int32_t before = zcn_fd_query(fd, &info);
    printf("%d:%d:%u ", fd, before, info.descriptor_flags);
    int32_t opened = zcn_open("/dev/null", ZCN_O_RDONLY, 0);
    int32_t after = zcn_fd_query(opened, &info);
    printf("%d:%d:%u\n", opened, after, info.descriptor_flags);
    return 0;
}

/* Executes the probe for descriptor fd; close_stdin closes 0 in the child before exec, as `<&-` does. */
static void run_probe(int fd, int close_stdin, char *output, size_t size) {
    int capture[2];
    REQUIRE(pipe2(capture, O_CLOEXEC) == 0);
    char number[16];
    snprintf(number, sizeof number, "%d", fd);
    char *argv[] = {self_path, (char *)"--probe", number, NULL};
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        /* dup2's copy has no FD_CLOEXEC, so the output survives exec. */
        if (dup2(capture[1], STDOUT_FILENO) < 0) _exit(126);
        if (close_stdin) close(STDIN_FILENO);
        execv(self_path, argv);
        _exit(127);
    }
    close(capture[1]);
    size_t used = 0;
    for (int guard = 0; guard < 1000 && used < size - 1; guard++) {
        ssize_t got = read(capture[0], output + used, size - 1 - used);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        used += (size_t)got;
    }
    output[used] = '\0';
    close(capture[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_library_descriptors_report_cloexec(void) {
    char path[4200];
    zcn_fx_path(path, sizeof path, "flags");
    int32_t fd = zcn_open(path, ZCN_O_RDWR | ZCN_O_CREAT, 0600);
    REQUIRE(fd >= 0);
    zcn_fd_info info;
    memset(&info, 0xff, sizeof info);
    CHECK_EQ(zcn_fd_query(fd, &info), 0);
    CHECK_EQ(info.descriptor_flags, ZCN_FD_CLOEXEC);
    int32_t p[2];
    REQUIRE(zcn_pipe(p, ZCN_PIPE_NONE) == 0);
    CHECK_EQ(zcn_fd_query(p[0], &info), 0);
    CHECK_EQ(info.descriptor_flags, ZCN_FD_CLOEXEC);
    zcn_fx_close_pair(p);
    zcn_close(fd);
}

static void test_flags_belong_to_the_number_not_the_open_file(void) {
    int32_t fd = zcn_open("/dev/null", ZCN_O_WRONLY | ZCN_O_APPEND, 0);
    REQUIRE(fd >= 0);
    /* F_DUPFD makes a number without FD_CLOEXEC on the same open file: the status flags are shared, the
     * descriptor flags are not. */
    int copy = fcntl(fd, F_DUPFD, 3);
    REQUIRE(copy >= 0);
    zcn_fd_info original, duplicate;
    CHECK_EQ(zcn_fd_query(fd, &original), 0);
    CHECK_EQ(zcn_fd_query(copy, &duplicate), 0);
    CHECK_EQ(original.descriptor_flags, ZCN_FD_CLOEXEC);
    CHECK_EQ(duplicate.descriptor_flags, 0);
    CHECK_EQ(duplicate.status_flags, original.status_flags);
    CHECK(duplicate.device == original.device && duplicate.inode == original.inode);
    /* And the flag is read fresh on every query. */
    REQUIRE(fcntl(copy, F_SETFD, FD_CLOEXEC) == 0);
    CHECK_EQ(zcn_fd_query(copy, &duplicate), 0);
    CHECK_EQ(duplicate.descriptor_flags, ZCN_FD_CLOEXEC);
    close(copy);
    zcn_close(fd);
}

static void test_inherited_descriptor_has_no_cloexec(void) {
    int inherited = fcntl(STDERR_FILENO, F_DUPFD, 3);
    REQUIRE(inherited >= 0);
    char output[256];
    run_probe(inherited, 0, output, sizeof output);
    int fd = -1, result = -1, opened = -1, opened_result = -1;
    unsigned flags = 99, opened_flags = 99;
    REQUIRE(sscanf(output, "%d:%d:%u %d:%d:%u", &fd, &result, &flags, &opened, &opened_result, &opened_flags) == 6);
    CHECK_EQ(result, 0);
    CHECK_EQ(flags, 0);
    /* What the child opened itself is marked, whatever its number. */
    CHECK_EQ(opened_result, 0);
    CHECK_EQ(opened_flags, ZCN_FD_CLOEXEC);
    close(inherited);
}

static void test_reused_standard_descriptor_is_told_apart(void) {
    /* Started with 0 closed: the child finds 0 closed (EBADF), then its own open lands on 0 and carries
     * FD_CLOEXEC, which no inherited standard descriptor can have. */
    char output[256];
    run_probe(STDIN_FILENO, 1, output, sizeof output);
    int fd = -1, result = 0, opened = -1, opened_result = -1;
    unsigned flags = 99, opened_flags = 99;
    REQUIRE(sscanf(output, "%d:%d:%u %d:%d:%u", &fd, &result, &flags, &opened, &opened_result, &opened_flags) == 6);
    CHECK_EQ(result, -ZCN_EBADF);
    CHECK_EQ(flags, 0); /* zeroed on failure */
    CHECK_EQ(opened, STDIN_FILENO);
    CHECK_EQ(opened_result, 0);
    CHECK_EQ(opened_flags, ZCN_FD_CLOEXEC);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--probe") == 0) return probe_main(argv[2]);
    ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
    if (n <= 0) {
        fprintf(stderr, "cannot read /proc/self/exe\n");
        return EXIT_FAILURE;
    }
    self_path[n] = '\0';
    RUN(test_library_descriptors_report_cloexec);
    RUN(test_flags_belong_to_the_number_not_the_open_file);
    RUN(test_inherited_descriptor_has_no_cloexec);
    RUN(test_reused_standard_descriptor_is_told_apart);
    return zcn_test_summary();
}
