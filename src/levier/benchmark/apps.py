from django.apps import AppConfig


class BenchmarkConfig(AppConfig):
    name = "levier.benchmark"
    label = "benchmark"
    verbose_name = "Benchmark national (DECP)"
