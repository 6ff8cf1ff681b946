package org.complianceproxy.bench;

/**
 * One line of the report: one scenario's load through one path.
 *
 * @param scenario the scenario's name
 * @param load how it was driven, e.g. {@code open 1000/s} or {@code closed 32 conns}
 * @param via {@code direct}, {@code nginx} or {@code proxy}
 * @param frontCpuPercent CPU used by nginx or the proxy during the run (100 = one core); NaN direct
 * @param standInCpuPercent CPU used by the stand-in during the run
 * @param kafkaCpuPercent CPU used by the Kafka broker (the proxy's audit trail) during the run
 * @param heapMiB the proxy's used Java heap after the run; NaN for the others
 * @param rssMiB resident memory of nginx or the proxy after the run; NaN direct
 * @param proxyCompilerSeconds CPU seconds of the proxy's JIT compiler threads during the run; NaN
 *     for the others
 * @param standInCompilerSeconds CPU seconds of the stand-in's JIT compiler threads during the run
 */
record Row(
    String scenario,
    String load,
    String via,
    RunResult result,
    double frontCpuPercent,
    double standInCpuPercent,
    double kafkaCpuPercent,
    double heapMiB,
    double rssMiB,
    double proxyCompilerSeconds,
    double standInCompilerSeconds) {}
