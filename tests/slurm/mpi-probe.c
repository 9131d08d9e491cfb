/* mpi-probe: proves that an MPI job really wired up, for the Slurm job-script
 * tests. Every rank calls MPI_Init, the ranks sum their rank numbers with
 * MPI_Allreduce and check the result; rank 0 prints one line on stderr:
 *     mpi-probe: world size N, allreduce ok
 * Exit 0 when all is well, 1 otherwise. Built by run-jobscript-tests.sh with
 * mpicc into its temporary folder; not part of the hypar build. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    int rank = -1, size = 0, sum = -1;
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "mpi-probe: MPI_Init failed\n");
        return 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    int ok = (sum == size * (size - 1) / 2);
    if (rank == 0)
        fprintf(stderr, "mpi-probe: world size %d, allreduce %s\n", size, ok ? "ok" : "WRONG");
    MPI_Finalize();
    return ok ? 0 : 1;
}
