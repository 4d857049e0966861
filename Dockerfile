FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY flows ./flows
COPY persona ./persona
COPY knowledge ./knowledge
COPY groups ./groups
RUN pip install . && useradd --create-home --uid 10001 siyu && rm -rf /src

USER siyu
WORKDIR /home/siyu
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import os,urllib.request,sys; port=os.environ.get('SIYU_PORT') or '8080'; sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2).status == 200 else 1)"
CMD ["siyu", "serve"]
