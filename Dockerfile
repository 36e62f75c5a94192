# tilegeo: map tiles and reverse geocoding with the embedded default inside the image.
# Build: docker build -t tilegeo .    Run: docker run -p 8080:8080 -v /srv/maps:/data:ro tilegeo

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app tilegeo
WORKDIR /app
COPY --from=build /install /usr/local
COPY --chown=root:root data /app/data
ENV TILEGEO_HOST=0.0.0.0 \
    TILEGEO_PORT=8080 \
    TILEGEO_EMBEDDED_DATA=/app/data \
    TILEGEO_DATA=/data \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
USER tilegeo
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=2).status == 200 else 1)"]
CMD ["tilegeo", "serve"]
