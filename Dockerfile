FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY api ./api
COPY importers ./importers
COPY visualisations ./visualisations
COPY examples ./examples
RUN pip install --no-cache-dir .
ENV LANG=fr_FR.UTF-8
EXPOSE 5000
# waitress, a production WSGI server, serves the app (not Flask's development server).
CMD ["maillage", "serve", "--host", "0.0.0.0", "--port", "5000"]
