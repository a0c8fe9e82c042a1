# The project's Airflow image: Airflow 3 plus this package, DAGs baked in (a volume may override).
FROM apache/airflow:3.3.1-python3.11
USER root
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei && rm -rf /var/lib/apt/lists/*
USER airflow
COPY --chown=airflow:root pyproject.toml README.md /opt/disclosure/
COPY --chown=airflow:root disclosure /opt/disclosure/disclosure
COPY --chown=airflow:root crawlers /opt/disclosure/crawlers
COPY --chown=airflow:root parsers /opt/disclosure/parsers
COPY --chown=airflow:root warehouse /opt/disclosure/warehouse
COPY --chown=airflow:root validation /opt/disclosure/validation
COPY --chown=airflow:root alerting /opt/disclosure/alerting
COPY --chown=airflow:root archive /opt/disclosure/archive
COPY --chown=airflow:root registry /opt/disclosure/registry
COPY --chown=airflow:root replica /opt/disclosure/replica
COPY --chown=airflow:root reporting /opt/disclosure/reporting
# The package with its celery extra (versions tested together, pyproject.toml) and the image's own
# Airflow kept: the test tools (the dev extra) stay out of the image.
RUN pip install --no-cache-dir "/opt/disclosure[celery]" "apache-airflow==3.3.1"
COPY --chown=airflow:root dags /opt/airflow/dags
