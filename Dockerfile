# tilegeo: map tiles and reverse geocoding, the embedded default data inside the image.
#   docker build -t tilegeo .
#   docker run -p 8080:8080 -v /srv/maps:/data:ro --read-only tilegeo
# Runs as an unprivileged user (uid 10001), writes nothing at run time (works with --read-only
# and Kubernetes readOnlyRootFilesystem), and keeps only the virtualenv from the build stage.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# A C compiler for the geocoder's two compiled loops (service/geocode/_buckets.c, _crossings.c);
# the runtime image gets only the built modules.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY service ./service
# Bytecode is compiled here, so a read-only container never tries to write __pycache__.
RUN pip install . && (cd / && python -c "import service.geocode._buckets, service.geocode._crossings") && python -m compileall -q /opt/venv

FROM python:3.11-slim AS runtime
RUN groupadd --system --gid 10001 tilegeo \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin tilegeo \
 && mkdir -p /data
COPY --from=build /opt/venv /opt/venv
COPY data /app/data
COPY deploy/docker/healthcheck.py /app/healthcheck.py
ENV PATH=/opt/venv/bin:$PATH \
    TILEGEO_HOST=0.0.0.0 \
    TILEGEO_PORT=8080 \
    TILEGEO_EMBEDDED_DATA=/app/data \
    TILEGEO_DATA=/data \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "/app/healthcheck.py"]
CMD ["tilegeo", "serve"]
