# momentos — mensajes de la línea de comandos en español (Colombia), el idioma por defecto.
# Las claves y los argumentos deben coincidir con i18n/en/momentos.ftl (una prueba lo
# verifica). Las claves de `--help` siguen el árbol de comandos: cli-<comando>-about,
# cli-<comando>-after-help, cli-<comando>-arg-<argumento>.

## --help: palabras comunes

cli-usage-heading = Uso:
cli-heading-commands = Comandos
cli-heading-arguments = Argumentos
cli-heading-options = Opciones
cli-possible-values = valores posibles: { $values }
cli-default = por defecto: { $value }
cli-env = variable: { $variable }
cli-arg-help = Muestra la ayuda.
cli-arg-version = Muestra la versión.
cli-help-about = Muestra la ayuda de momentos o de un comando.
cli-help-value-name = COMANDO
cli-help-arg-command = El comando (p. ej. `ingest`, `plans export`).
cli-more-information = Para más información, ejecute con '--help'.

## Errores de uso

cli-error-missing-value = { $arg } necesita un valor
cli-error-invalid-value = el valor '{ $value }' no es válido para { $arg } (valores posibles: { $values })
cli-error-bad-value = el valor '{ $value }' no es válido para { $arg }: { $reason }
cli-error-unknown-argument = argumento inesperado '{ $arg }'
cli-error-unknown-command = comando desconocido '{ $command }'
cli-error-missing-argument = faltan argumentos obligatorios: { $arg }
cli-error-missing-command = indique un comando
cli-error-conflict = el argumento '{ $arg }' no se puede usar junto con '{ $other }'
cli-error-suggestion = sugerencia: ¿quiso decir '{ $suggestion }'?
cli-error-duration = `{ $value }` no es una duración ({ $reason }); p. ej. 30s, 10m
cli-error-kind = `{ $value }` no es un tipo de entrada; se espera interactions, surveys o shopper

## momentos

cli-about = Monitoreo de la calidad del servicio al cliente universitario (PR-ME-002): ingerir, calificar, informar.
cli-after-help =
    Estado de salida:
      0  éxito
      1  el comando falló (archivo ilegible, lago inaccesible, error interno)
      2  error de uso o de configuración (opción errónea, catálogo inválido)
      3  éxito, pero algunas filas quedaron en cuarentena (vea la tabla `quarantine`)
      4  ocupado: otro proceso está escribiendo en el lago o ejecutando el pipeline; no se hizo nada

    Idioma: español por defecto; inglés con --lang en o LANG=en_US.UTF-8
    (antes se leen MOMENTOS_LANG, LC_ALL y LC_MESSAGES).

    Ejemplos:
      momentos demo                                   genera datos realistas y los ingiere en ./lake
      momentos ingest interactions exports/*.csv      ingiere registros de interacciones
      momentos ingest surveys respuestas.xlsx --sheet Respuestas
      momentos score                                  califica todos los periodos y escribe las tablas derivadas
      momentos score --period 2026-10                 vuelve a calificar un mes
      momentos report --out informe                   el informe HTML (index.html, una página por unidad)
      momentos plans export --format xlsx --out planes.xlsx
      momentos sql "select unit, count(*) from interactions group by unit"
      momentos sql --format csv "select * from quarantine" > rechazos.csv
      momentos run nightly                            una ejecución de pipelines/nightly.toml
      momentos deliver                                envía por correo/webhook las alertas nuevas y el informe mensual
      momentos schedule                               dispara cada pipeline según su horario cron
cli-arg-lake = Ubicación del lago: una carpeta o una URL.
cli-arg-catalog = Archivo de catálogo (por defecto: $MOMENTOS_CATALOG, ./catalog.toml o el incorporado).
cli-arg-verbose = Más registro (-v info, -vv debug).
cli-arg-engine = Dónde corren los planes de `score` y `sql`: embedded (en este proceso, por defecto), standalone (un clúster Ballista en este proceso) o df://host:puerto (un planificador Ballista; requiere compilar con --features ballista).
cli-arg-lang = Idioma de los mensajes y la ayuda (por defecto: MOMENTOS_LANG, LC_ALL, LC_MESSAGES, LANG; si no, español).

## momentos ingest

cli-ingest-about = Ingiere archivos exportados (CSV, JSON Lines o XLSX) en el lago.
cli-ingest-after-help =
    Cada archivo es un lote: visible completo o no visible. Ingerir de nuevo el mismo archivo
    no agrega nada; una fila reenviada con un id que ya está en el lago reemplaza la anterior.
    Las filas que no pasan la validación van a la tabla `quarantine` con el motivo, el archivo
    y la línea; las demás filas sí entran.

    Estado de salida: 0 todas las filas aceptadas, 3 algunas filas en cuarentena, 1 un archivo
    no se pudo leer (no se escribe nada de ese archivo), 4 el lago está ocupado.

    Datos personales: `contact` y `respondent` se guardan solo como hash con clave
    (HMAC-SHA256) y solo cuando habeas_data es true. Defina MOMENTOS_PSEUDONYM_KEY o
    MOMENTOS_PSEUDONYM_KEY_FILE; sin clave, los archivos con identificadores se rechazan.

    Ejemplos:
      momentos ingest interactions llamadas-octubre.csv whatsapp-octubre.jsonl
      momentos ingest shopper cliente-incognito.xlsx --sheet Octubre
      momentos ingest surveys encuesta.csv --format csv
      momentos ingest --source pbx_poblado /var/log/asterisk/cdr-csv/Master.csv
      momentos sources                      adaptadores y archivos de fuente de ./sources
cli-ingest-arg-kind = Qué entrada: interactions, surveys o shopper (con --source: el primer archivo).
cli-ingest-arg-files = Archivos a ingerir.
cli-ingest-arg-source = Lee los archivos con una fuente de sources/ (un adaptador para la exportación de un proveedor: Asterisk CDR, LimeSurvey, Google Forms, Qualtrics…); entonces indique solo archivos.
cli-ingest-arg-format = Fuerza el formato en vez de deducirlo de la extensión: csv, jsonl, xlsx.
cli-ingest-arg-sheet = Hoja XLSX a leer (por defecto: la primera).

## momentos sql

cli-sql-about = Ejecuta SQL sobre las tablas del lago (solo lectura): una consulta, un archivo o una consola interactiva.
cli-sql-after-help =
    Sin consulta ni -f, lee sentencias de la entrada estándar, o abre una consola interactiva
    en una terminal (edición de línea, historial en ~/.momentos_history, \d para listar y describir tablas).

    Tablas: interactions, surveys, shopper (la última versión de cada fila), quarantine
    (filas rechazadas con motivo, archivo y línea), holidays (festivos de Colombia 1984–2100),
    runs y run_steps (historial de ejecuciones de pipelines), plans (planes de mejoramiento).
    Calificación (docs/metodo.md): interaction_facts, scores, scores_by_stakeholder, survey_kpis,
    protocol (como las escribió el último `momentos score`; las vistas en vivo hasta que se
    ejecute), las vistas de queries/ (stg_interactions, observations, cell_scores, …) y las
    tablas de referencia calendar_days, channel_sla, unit_sla, rubric, source_weights,
    cell_targets, scoring_params (a la fecha).
    Solo se ejecutan lecturas: DDL, INSERT/UPDATE/DELETE, COPY, SET y CREATE EXTERNAL TABLE se rechazan.
    Los operadores usan como máximo --memory-limit (sin volcar a disco) y --timeout por sentencia.

    La salida CSV se puede abrir con seguridad en Excel: al texto que empieza con = + - @ (una
    fórmula para una hoja de cálculo) se le antepone un apóstrofo.

    Ejemplos:
      momentos sql "select * from scores where status = 'needs_plan'"
      momentos sql "select * from observations where unit = 'admisiones' and attribute = 'timeliness'"
      momentos sql "select channel, count(*) n from interactions group by channel order by n desc"
      momentos sql --format json "select * from holidays where year = 2026"
      momentos sql -f consulta.sql --format csv --output resultado.csv
      momentos sql --format parquet --output scores.parquet "select * from scores"
      momentos sql                       (consola interactiva)
cli-sql-arg-query = La(s) sentencia(s) a ejecutar; `;` separa varias.
cli-sql-arg-file = Lee las sentencias de un archivo.
cli-sql-arg-format = Formato de salida.
cli-sql-arg-output = Escribe el resultado en un archivo en vez de la salida estándar.
cli-sql-arg-memory-limit = Memoria que pueden usar los operadores de la consulta (p. ej. 512MiB, 2GiB).
cli-sql-arg-timeout = Tiempo que puede durar una sentencia (p. ej. 30s, 5m).
cli-sql-arg-max-rows = Filas que se muestran en formato tabla (CSV, JSON y Parquet muestran todas).

## momentos query

cli-query-about = Ejecuta una consulta con nombre de queries/ con parámetros tipados.
cli-query-after-help =
    Una consulta con nombre es un archivo .sql de la carpeta de consultas (./queries o
    --queries DIR); su nombre es el del archivo sin extensión. Los comentarios de encabezado
    la describen y declaran parámetros, que se usan como $nombre:
      -- description: Rejected rows of one input by reason
      -- param: source text in (interactions, surveys, shopper) = interactions -- which input
    Tipos: text, int, float, bool, date (AAAA-MM-DD), period (AAAA-MM).

    Ejemplos:
      momentos query --list
      momentos query quarantine_by_reason --param source=surveys
      momentos query quarantine_by_reason --format csv > rechazos.csv
cli-query-arg-name = El nombre de la consulta (nombre del archivo sin extensión).
cli-query-arg-params = Un parámetro como clave=valor (se puede repetir).
cli-query-arg-list = Lista las consultas con su descripción y sus parámetros.
cli-query-arg-queries = Carpeta de archivos .sql (por defecto ./queries).
cli-query-arg-format = { cli-sql-arg-format }
cli-query-arg-memory-limit = { cli-sql-arg-memory-limit }
cli-query-arg-timeout = { cli-sql-arg-timeout }
cli-query-arg-max-rows = { cli-sql-arg-max-rows }

## momentos score

cli-score-about = Califica amabilidad, calidad de la información y oportunidad por unidad × canal × periodo.
cli-score-after-help =
    Calcula las tablas derivadas del método (docs/metodo.md) a partir de las interacciones,
    encuestas y evaluaciones de cliente incógnito del lago, y las escribe en el lago,
    reemplazando de forma atómica los periodos que recalcula (cada tabla de una vez):
    interaction_facts, scores, scores_by_stakeholder, survey_kpis, protocol. Sin
    --period/--from/--to se recalculan solo los periodos cuyos datos cambiaron desde la última
    calificación (lotes nuevos, ids reenviados, supresiones, compactación), los de las encuestas
    que evalúan esas interacciones y los que tenían juicios aún no vencidos; el resultado es
    idéntico a recalcular todo. Un cambio de catálogo o de método recalcula todo (y lo dice);
    --full lo fuerza. Los periodos que ya no tienen datos desaparecen.

    Metas, pesos, n mínimo, nota aprobatoria, q de FDR y alfa vienen del catálogo.
    Una interacción cuyo ANS no ha vencido en --as-of (por defecto: ahora) todavía no se juzga.

    Estado de salida: 0 terminado, 2 argumentos erróneos, 4 el lago está ocupado, 1 cualquier otra cosa.

    Ejemplos:
      momentos score
      momentos score --full
      momentos score --period 2026-10
      momentos score --from 2026-01 --to 2026-06
      momentos score --period 2026-10 --as-of 2026-11-01T00:00:00-05:00
      momentos sql "select * from scores where status = 'needs_plan'"
cli-score-arg-period = Recalcula un mes (AAAA-MM, hora local).
cli-score-arg-from = Primer mes a recalcular (AAAA-MM); por defecto: el primero con datos.
cli-score-arg-to = Último mes a recalcular (AAAA-MM); por defecto: el último con datos.
cli-score-arg-as-of = Juzga "aún no vence" en este instante en vez de ahora (ISO 8601; sin desfase = hora local).
cli-score-arg-full = Recalcula todos los periodos aunque sus datos no hayan cambiado.

## momentos demo

cli-demo-about = Genera datos de demostración realistas de un centro de contacto universitario y los ingiere.
cli-demo-after-help =
    Escribe interactions.csv, surveys.csv y shopper.csv en --inbox (por defecto ./inbox) y
    luego los ingiere en el lago. Con semilla: la misma semilla da los mismos archivos.

    Ejemplos:
      momentos demo
      momentos demo --lake /tmp/demo-lake --interactions 200000 --seed 7
cli-demo-arg-inbox = Carpeta para los archivos CSV generados.
cli-demo-arg-seed = Semilla del generador.
cli-demo-arg-interactions = Número de filas de interacciones.
cli-demo-arg-no-ingest = Solo escribe los archivos; no los ingiere.

## momentos report

cli-report-about = Escribe el informe HTML: resumen ejecutivo, una página por unidad, gráficos.
cli-report-after-help =
    Escribe DIR/index.html (el resumen ejecutivo: primero los servicios que requieren plan de
    mejoramiento, con su plan; luego mapas de calor, gráficos de embudo, tendencias,
    indicadores de encuestas, cumplimiento del protocolo y cobertura de datos) y
    DIR/unidad-<unidad>.html. Cada página es un archivo autónomo (gráficos SVG en línea,
    estilos en línea, sin scripts): se puede enviar sola como adjunto. --pdf además imprime
    el resumen en DIR/informe.pdf. Los gráficos vienen de dashboards/informe_mensual.toml (o
    del incorporado).
    Antes de generar el informe se abren y se vuelven a medir los planes de mejoramiento
    (como `momentos plans`); --no-plans omite ese paso y solo lee la tabla `plans`.
    No se muestra ninguna cifra de menos observaciones que min_source_n del catálogo.

    Estado de salida: 0 terminado, 2 argumentos erróneos o sin calificaciones para el periodo, 4 el lago está ocupado.

    Ejemplos:
      momentos report --out informe
      momentos report --out informe --period 2026-10 --pdf
cli-report-arg-out = Carpeta de salida (se crea si no existe).
cli-report-arg-period = Mes del informe (AAAA-MM); por defecto: el último mes completo con calificaciones.
cli-report-arg-png = Además escribe cada gráfico como PNG (charts/*.png).
cli-report-arg-pdf = Además imprime el resumen en DIR/informe.pdf (requiere Chromium; MOMENTOS_CHROMIUM lo indica cuando no está en el PATH).
cli-report-arg-dashboard = Archivo de tablero (por defecto: dashboards/informe_mensual.toml; si no, el incorporado).
cli-report-arg-no-plans = No abre ni vuelve a medir planes antes (solo lectura).

## momentos plans

cli-plans-about = Planes de mejoramiento: abrir y volver a medir (por defecto), listar, exportar CSV/XLSX.
cli-plans-after-help =
    Cada celda `needs_plan` de `scores` abre un plan, salvo que ya haya uno en curso (abierto o
    vencido) para la misma unidad, canal y atributo. Un plan lleva el análisis de causas
    redactado a partir de la evidencia, acciones sugeridas, el responsable del catálogo y una
    fecha de compromiso (+scoring.plan_commitment_days). Cada actualización vuelve a medir
    todos los planes: open, overdue, effective (límite inferior en la meta dos periodos
    seguidos después de la fecha de compromiso) o not_effective. Consúltelos con
    `momentos sql "select * from plans"`.

    Las exportaciones se pueden abrir con seguridad en Excel: el texto que parece una fórmula sigue siendo texto.

    Ejemplos:
      momentos plans
      momentos plans list
      momentos plans export --format xlsx --out planes.xlsx
      momentos plans export --format csv --out planes.csv
cli-plans-refresh-about = Abre planes para las celdas `needs_plan` nuevas y vuelve a medir cada plan (por defecto).
cli-plans-list-about = Lista los planes, primero los que están en curso.
cli-plans-export-about = Escribe los planes para el registro de planes de mejoramiento.
cli-plans-export-arg-format = csv o xlsx.
cli-plans-export-arg-out = Archivo a escribir.

## momentos alerts

cli-alerts-about = Situaciones difíciles: caídas, picos de abandono y de quejas, ítems críticos fallidos, escalamientos vencidos.
cli-alerts-after-help =
    Juzga el lago (DESIGN §6.7) y registra lo que encuentra en la tabla `alerts`:
      technical_outage     el volumen entrante de un canal se desploma durante al menos 2 horas hábiles
      abandonment_spike    el abandono telefónico se dispara durante al menos 2 horas hábiles
      reputational_spike   las señales de insatisfacción de una unidad (encuesta general <= 2,
                           comentarios y notas con tema negativo) muy por encima de su día usual
      critical_item_failed un cliente incógnito reprobó un ítem crítico (guion de habeas data,
                           información errónea), digan lo que digan las estadísticas
      escalation_overdue   escalamientos sin respuesta después de su fecha límite, o que vencen
                           dentro de un día hábil
    Las líneas base son el mismo día de la semana y hora de las 8 semanas anteriores (sin
    festivos, cierres ni alertas previas; mediana); las pruebas son colas exactas de Poisson /
    binomial; los umbrales están en la sección [alerts] del catálogo. Las horas posteriores a
    la última interacción del lago no se juzgan. Repetir sobre los mismos datos no genera nada
    nuevo: los ids de alerta y detected_at se conservan.

    Ejemplos:
      momentos alerts
      momentos alerts --list
      momentos alerts --as-of 2026-06-18T07:00
      momentos sql "select kind, unit, channel, started_at, evidence from alerts where status = 'open'"
cli-alerts-arg-as-of = Juzga en este instante en vez de ahora (ISO 8601; sin desfase = hora local).
cli-alerts-arg-list = Solo lista las alertas abiertas (solo lectura).

## momentos followup

cli-followup-about = Lista de seguimiento para el centro de contacto: contactos afectados por una alerta, o escalamientos por vencer.
cli-followup-after-help =
    Escribe los ids de interacción (nunca un teléfono, correo o número de documento: el sistema
    de origen hace la correspondencia con los ids) de los contactos que dieron la autorización
    de habeas data, con canal, unidad, motivo y fecha límite, como CSV (UTF-8 con BOM) o XLSX
    según la extensión de --out. Los contactos sin autorización se cuentan, no se listan. Cada
    lista queda registrada en la tabla `followups` (quién, cuándo, cuántos).
      --alert ID      contactos durante una caída o justo después (encuesta poscrisis), llamadas
                      abandonadas de un pico de abandono (devolver la llamada), contactos de la
                      unidad durante una situación reputacional (encuesta poscrisis), o la
                      interacción escalada
      --escalations   escalamientos sin respuesta vencidos o que vencen dentro de un día hábil

    Ejemplos:
      momentos followup --escalations --out seguimiento.xlsx
      momentos followup --alert technical_outage.whatsapp.all.2026-06-17T09 --out postcrisis.csv
cli-followup-arg-alert = La alerta (vea `momentos alerts --list`).
cli-followup-arg-escalations = Escalamientos vencidos o que vencen dentro de un día hábil.
cli-followup-arg-out = Archivo a escribir (.csv o .xlsx).
cli-followup-arg-as-of = Juzga las fechas límite en este instante (ISO 8601; sin desfase = hora local).

## momentos maintain

cli-maintain-about = Mantenimiento del lago: retención del catálogo, compactación por mes y registros Delta.
cli-maintain-after-help =
    En una pasada, con el lago bloqueado:
      1. Retención: si el catálogo fija [retention] months, las filas de los meses más antiguos
         salen de todas las tablas en un solo lote (como `momentos forget`) y quedan contadas
         en la tabla audit.
      2. Compactación: los archivos de cada lote en interactions, surveys y shopper (y su
         cuarentena) pasan a un archivo por mes (carpeta month=AAAA-MM), ordenado por fecha e
         id; cada tabla cambia en un solo lote, sin perder ni duplicar filas. Un mes que ya
         está en un archivo no se toca, así que repetirlo no hace nada.
      3. Registros Delta: un punto de control cada 10 versiones y se expiran las entradas
         más viejas que --log-retention (los archivos de datos reemplazados ya se borran al
         confirmar cada lote).
    Úselo a diario como paso `maintain` del pipeline nocturno, o a mano.

    Estado de salida: 0 terminado, 2 argumentos erróneos, 4 el lago está ocupado, 1 cualquier otra cosa.

    Ejemplos:
      momentos maintain --dry-run
      momentos maintain
      momentos maintain --log-retention 30days
cli-maintain-arg-dry-run = Dice qué haría sin cambiar nada.
cli-maintain-arg-log-retention = Antigüedad mínima de una entrada del registro Delta para expirarla (por defecto 7days).

## momentos forget

cli-forget-about = Derecho de supresión: borra del lago todas las filas de una persona (Ley 1581 de 2012).
cli-forget-after-help =
    Normaliza y seudonimiza el identificador (correo, teléfono o documento) como lo hace la
    ingesta, con la misma clave (MOMENTOS_PSEUDONYM_KEY o MOMENTOS_PSEUDONYM_KEY_FILE), y quita
    en un solo lote las filas de esa persona de todas las tablas: sus interacciones, sus
    respuestas de encuesta y las respuestas sobre sus interacciones, las filas derivadas de
    esas interacciones, las alertas de escalamiento sobre ellas y las filas en cuarentena que
    aún contengan el identificador. Los archivos anteriores se borran en el mismo paso, así
    que ningún byte de la persona queda en el lago; luego recalcula las calificaciones.
    La tabla audit guarda qué se quitó (conteos, versiones Delta), nunca el identificador.

    Con - como identificador, se lee de la entrada estándar (no queda en el historial).

    Estado de salida: 0 terminado (también si no había filas), 2 argumentos erróneos o falta
    la clave, 4 el lago está ocupado, 1 cualquier otra cosa.

    Ejemplos:
      momentos forget ana.perez@example.com --reference PQRS-2026-0412
      echo "+57 300 123 4567" | momentos forget - --reference PQRS-2026-0413
      momentos sql "select * from audit order by performed_at desc"
cli-forget-arg-identifier = Correo, teléfono o número de documento de la persona; - lo lee de la entrada estándar.
cli-forget-arg-reference = Referencia de la solicitud para la tabla audit (p. ej. el radicado de la PQRS).
cli-forget-arg-no-rederive = No recalcula las calificaciones (el próximo `momentos score` lo hará).

## momentos deliver

cli-deliver-about = Envía las alertas nuevas y el informe mensual a los destinatarios del catálogo (correo, webhook).
cli-deliver-after-help =
    Envía a los destinatarios de la sección [delivery] del catálogo:
      - cada alerta detectada en los últimos `alert_max_age_days` días (7 por omisión), a
        quienes reciben ese tipo de alerta y esa unidad: un correo o un webhook por alerta;
      - el informe mensual de --report-dir (index.html, e informe.pdf si `momentos report
        --pdf` lo imprimió de ese mismo informe) adjunto a un correo, o avisado por webhook.
    Lo enviado queda en la tabla `deliveries` (destinatario por su nombre en el catálogo, nunca
    su dirección) y no se vuelve a enviar. Un envío fallido se reintenta con espera creciente
    (`attempts`, `backoff`) y otra vez en la siguiente ejecución.

    Credenciales SMTP solo desde el entorno: MOMENTOS_SMTP_USER y MOMENTOS_SMTP_PASSWORD (o
    las variables que nombren `user_env` y `password_env`). STARTTLS es obligatorio salvo que
    el catálogo diga otra cosa.

    Estado de salida: 0 todo enviado (o nada pendiente), 1 algún envío falló (se reintentará),
    2 catálogo inválido, 4 otra entrega está en curso en este lago.

    Ejemplos:
      momentos deliver                              alertas nuevas e informe de ./reports
      momentos deliver --report-dir informe         el informe de otra carpeta
      momentos deliver --dry-run                    qué se enviaría, sin enviar
      momentos deliver --no-report                  solo las alertas
      momentos sql "select recipient, item, status, attempts, last_error from deliveries"
cli-deliver-arg-report-dir = Carpeta del informe mensual (index.html).
cli-deliver-arg-no-report = Envía solo las alertas.
cli-deliver-arg-dry-run = Lista lo que se enviaría; no envía ni registra nada.

## momentos run

cli-run-about = Ejecuta un pipeline una vez, ahora (para cron, temporizadores de systemd, CronJobs de Kubernetes, Airflow).
cli-run-after-help =
    Ingiere los archivos de la bandeja de entrada que no se habían ingerido, luego ejecuta los
    demás pasos del pipeline y registra la ejecución en las tablas `runs` y `run_steps`.
    Repetir sin nada nuevo no cambia datos. Dos ejecuciones de un mismo pipeline nunca se
    traslapan: la segunda espera a la primera o desiste, según la política [overlap] del
    pipeline o --overlap.

    Estado de salida:
      0  éxito
      3  éxito, pero algunas filas quedaron en cuarentena (vea la tabla `quarantine`)
      1  la ejecución falló (archivo ilegible, lago inaccesible, un paso falló, detenida por una señal)
      2  el archivo del pipeline o el catálogo es inválido, o nombra un paso que esta versión no tiene
      4  hay otra ejecución de este pipeline en curso; no se hizo nada

    Ejemplos:
      momentos run nightly                        pipelines/nightly.toml
      momentos run nightly --overlap skip         sale con 4 de inmediato si hay una ejecución en curso
      momentos run /etc/momentos/nightly.toml --lake s3://bucket/lake
cli-run-arg-pipeline = Nombre del pipeline (`nightly` es `<pipelines>/nightly.toml`) o la ruta de un archivo.
cli-run-arg-pipelines = Carpeta de archivos de pipeline.
cli-run-arg-overlap = Si hay una ejecución de este pipeline en curso: esperarla (`wait`) o desistir (`skip`, sale con 4). Por defecto: la política [overlap] del pipeline.
cli-run-arg-wait-timeout = Cuánto espera `wait` antes de salir con 4, p. ej. `30s`, `10m`. Por defecto: el del pipeline.

## momentos schedule

cli-schedule-about = Dispara cada pipeline según su horario cron (un servicio; deténgalo con SIGTERM o Ctrl-C).
cli-schedule-after-help =
    Cada pipeline con `schedule` se dispara en su zona horaria. Los disparos perdidos mientras
    el servicio estaba detenido se tratan según la política [catch_up] del pipeline y quedan en
    `runs`; las ejecuciones fallidas se reintentan con espera creciente según [retry].
    SIGTERM/SIGINT: no hay ejecuciones nuevas; la ejecución en curso termina su paso actual y
    queda registrada (una segunda señal detiene de inmediato). El registro va a stderr (nivel
    info; MOMENTOS_LOG=debug para más).

    Ejemplos:
      momentos schedule
      momentos schedule --pipelines /etc/momentos/pipelines --lake /srv/momentos/lake
cli-schedule-arg-pipelines = { cli-run-arg-pipelines }

## momentos runs

cli-runs-about = Lista el historial de ejecuciones, primero las más recientes.
cli-runs-arg-pipeline = Solo las ejecuciones de este pipeline (se usa el `lake` de su archivo cuando lo indica).
cli-runs-arg-pipelines = Carpeta de archivos de pipeline (para hallar el lago de un pipeline).
cli-runs-arg-limit = Cuántas ejecuciones mostrar.
cli-runs-arg-format = { cli-sql-arg-format }

## momentos sources

cli-sources-about = Lista los adaptadores de fuentes y los archivos de fuente y de mapeo de ./sources.
cli-sources-arg-dir = Carpeta de archivos de fuente (por defecto: $MOMENTOS_SOURCES o ./sources).

## momentos check

cli-check-about = Valida el catálogo, los archivos de pipeline y los tableros sin ejecutar nada.
cli-check-after-help =
    Muestra cada problema con su archivo, línea, clave y una corrección. Estado de salida 2 si hay alguno.

    Ejemplos:
      momentos check
      momentos check --pipelines deploy/pipelines --catalog deploy/catalog.toml
cli-check-arg-pipelines = Carpeta de archivos de pipeline (por defecto: ./pipelines; si falta esa carpeta no es problema).

cli-serve-about = Sirve el lago por el protocolo de PostgreSQL (solo lectura) para Power BI, Metabase, DBeaver, psql y Python.
cli-serve-after-help =
    Las tablas y vistas son las de `momentos sql`, con el catálogo pg_catalog que usan los
    exploradores de esquemas (\d en psql). Cada conexión ve el lago como está al conectarse:
    tras `momentos score` basta con reconectar.

    Solo lectura: INSERT/UPDATE/DELETE, CREATE/DROP, COPY y SET se rechazan para todos. Los SET
    que los controladores envían al conectar (client_encoding, DateStyle, extra_float_digits,
    application_name, search_path, IntervalStyle, standard_conforming_strings, bytea_output,
    client_min_messages, y SET TRANSACTION: solo lectura, aislamiento) se responden sin cambiar nada. BEGIN/COMMIT/ROLLBACK no tienen efecto.

    Usuarios (--users usuarios.toml), con contraseñas como verificadores SCRAM-SHA-256 (nunca en claro):
    {"  [[user]]"}
      name = "calidad"
      role = "analyst"              # todas las tablas, incluida quarantine
      password = "SCRAM-SHA-256$4096:…"
    {"  [[user]]"}
      name = "jefe_admisiones"
      role = "unit"                 # solo las filas de sus unidades, en toda tabla y vista
      units = ["admisiones"]
      password = "SCRAM-SHA-256$4096:…"
    Sin --users no arranca, salvo con --no-auth y una dirección local (127.0.0.1, ::1).
    Los intentos fallidos se registran (usuario y dirección, nunca la contraseña) y cada uno
    duplica la espera de la respuesta al siguiente desde esa dirección (hasta 30 s).

    Memoria: --memory-limit es el total del servidor, compartido por todas las conexiones.

    Ejemplos:
      printf '%s\n' 'una clave larga' | momentos serve --hash-password
      momentos serve --lake /srv/momentos/lake --users usuarios.toml
      momentos serve --users usuarios.toml --listen 0.0.0.0:5432 --tls-cert cert.pem --tls-key key.pem
      momentos serve --no-auth                 (solo en 127.0.0.1, para probar)
      psql "host=127.0.0.1 port=5432 user=calidad dbname=momentos" -c '\d'
cli-serve-arg-listen = Dirección y puerto donde escuchar (por defecto solo este equipo).
cli-serve-arg-users = Archivo TOML de usuarios con sus roles y verificadores SCRAM-SHA-256.
cli-serve-arg-no-auth = Sin contraseñas: cualquiera que conecte es analista. Solo en una dirección local.
cli-serve-arg-tls-cert = Certificado TLS (PEM); con --tls-key, las conexiones pueden cifrarse.
cli-serve-arg-tls-key = Clave privada del certificado TLS (PEM, PKCS#8).
cli-serve-arg-memory-limit = Memoria que pueden usar entre todas las consultas del servidor (p. ej. 512MiB, 2GiB).
cli-serve-arg-timeout = Tiempo que puede durar una sentencia, filas incluidas (p. ej. 30s, 5m).
cli-serve-arg-hash-password = Lee una contraseña de la entrada estándar e imprime su verificador SCRAM-SHA-256 para el archivo de usuarios.

## Errores comunes a los comandos

error-runtime = no se pudo iniciar el entorno de ejecución: { $error }
error-no-lake = no hay un lago en { $path }: la carpeta no existe (¿--lake mal escrito?). `momentos ingest` o `momentos demo` crean uno.
engine-error-unknown = «{ $value }» no es un motor: use embedded, standalone o df://host:puerto (p. ej. df://127.0.0.1:50050).
engine-error-no-ballista = el motor «{ $value }» corre sobre un clúster Apache DataFusion Ballista, que esta compilación no incluye: compile momentos con `cargo build --release --features ballista`, o use --engine embedded.
engine-error-unreachable = ningún planificador Ballista responde en { $engine }: { $error }. ¿Está iniciado (`momentos-ballista scheduler`) y es alcanzable desde aquí?
error-cannot-read = no se pudo leer { $path }: { $error }
error-cannot-create = no se pudo crear { $path }: { $error }

## momentos sql y query

# "1.234 filas"; los dos mensajes siguientes lo usan (una referencia ve sus argumentos).
sql-rows = { $rows ->
    [one] { $rows } fila
   *[other] { $rows } filas
}
sql-rows-line = { sql-rows } en { $seconds } s
sql-rows-line-truncated = { sql-rows } (se muestran las primeras { $shown }; --format csv las da todas) en { $seconds } s
query-param-default = por defecto { $value }
shell-banner = momentos SQL — { $tables } tablas. \? para ayuda, \q para salir.
shell-help =
    Las sentencias terminan en `;` y pueden ocupar varias líneas. Solo se ejecutan lecturas (SELECT, WITH, EXPLAIN, SHOW).
      \d            lista las tablas con lo que es una fila
      \d TABLA      describe una tabla: columnas, tipos y lo que significa cada una
      \format F     salida como table, csv o json
      \q            salir (también Ctrl-D)
      \?            esta ayuda
shell-no-table = no hay una tabla `{ $name }`; \d las lista
shell-one-row = una fila = { $what }
shell-formats = formatos aquí: table, csv, json
shell-unknown-command = comando desconocido `{ $line }`; \? los lista
sql-parquet-needs-output = Parquet es binario; indique --output ARCHIVO o redirija la salida estándar
sql-output-one-statement = --output admite exactamente una sentencia
serve-listening = momentos serve: escuchando en { $addr } ({ $logins }) { $tls }
serve-logins = { $count ->
    [one] 1 usuario
   *[other] { $count } usuarios
}
serve-open = sin contraseñas: todos son analistas
serve-stopped = momentos serve: detenido
serve-needs-users = indique los usuarios con --users ARCHIVO (o --no-auth para probar en 127.0.0.1)
serve-no-auth-loopback = --no-auth solo se admite en una dirección local (127.0.0.1 o ::1)
serve-no-users = { $path } no define ningún [[user]]
serve-bad-listen = `{ $value }` no es una dirección para escuchar (p. ej. 127.0.0.1:5432)
serve-cannot-listen = no se pudo escuchar en { $addr }: { $error }
serve-empty-password = la contraseña está vacía (se lee de la entrada estándar)
query-embedded = las consultas incluidas
query-not-found = no hay una consulta `{ $name }` en { $place }; `momentos query --list` las muestra
query-one-statement = { $path } debe contener exactamente una sentencia

## momentos report

report-summary = Informe de { $period }: { $pages ->
    [one] { $pages } página
   *[other] { $pages } páginas
}, { $charts ->
    [one] { $charts } gráfico
   *[other] { $charts } gráficos
}; { $flagged ->
    [one] { $flagged } servicio requiere
   *[other] { $flagged } servicios requieren
} plan de mejoramiento; { $plans ->
    [one] { $plans } plan nuevo
   *[other] { $plans } planes nuevos
}  [{ $seconds } s]
report-index = Informe: { $path }
report-pdf = PDF: { $path }

## momentos ingest

ingest-forgot-kind = ¿olvidó el tipo? momentos ingest interactions { $file }{ $looks }
ingest-no-files = falta al menos un archivo: momentos ingest { $kind } ARCHIVO…
ingest-nothing-written = nada de { $file } fue escrito
ingest-skipped = omitidas: { $reason }
ingest-column-typo = ¿`{ $found }` es `{ $expected }`? Corrija el encabezado.
ingest-bad-format = `{ $format }` no es un formato; se espera csv, jsonl o xlsx
ingest-already = { $file }: ya ingerido (lote { $batch }); 0 filas agregadas
ingest-counts = leídas { $read }, aceptadas { $accepted }, reemplazadas { $replaced }, duplicadas en el archivo { $duplicates }, en cuarentena { $quarantined }  [{ $seconds } s, lote { $batch }]
ingest-example = { $code }: p. ej. { $example }
ingest-warnings = advertencias: { $rows ->
    [one] { $rows } fila conservada
   *[other] { $rows } filas conservadas
} con un valor descartado
ingest-unknown-columns = columnas desconocidas ignoradas: { $columns }

## momentos score

score-status-ok = en meta
score-status-watch = en observación
score-status-needs-plan = requiere plan de mejoramiento
score-status-insufficient-data = datos insuficientes
score-status-other = otro
score-period-range = { $first } a { $last }
score-no-periods = ninguno (sin datos)
score-nothing-changed = ninguno (nada cambió)
score-incremental = Incremental: { $count } periodos recalculados — datos nuevos o cambiados: { $changed }; encuestas enlazadas: { $linked }; juicios pendientes: { $pending }
score-incremental-full = Cálculo completo: { $reason }
score-full-no-earlier-run = no hay una calificación anterior que diga qué cambió
score-full-catalog-or-method = cambió el catálogo o el método
score-full-earlier-as-of = el corte (--as-of) es anterior al de la última calificación
score-done = Calificación calculada con corte al { $as_of } — periodos: { $periods }  [{ $seconds } s]
# El número de filas se imprime antes de este texto, alineado.
score-table-rows = { $rows ->
    [one] fila
   *[other] filas
} en { $files ->
    [one] { $files } archivo
   *[other] { $files } archivos
}; { $removed ->
    [one] { $removed } archivo reemplazado
   *[other] { $removed } archivos reemplazados
}
score-cells = Celdas unidad × canal × atributo: { $cells } — { $counts }
score-none-needs-plan = Ninguna celda requiere plan de mejoramiento.
score-needs-plan = Requieren plan de mejoramiento ({ $cells }):
score-col-period = periodo
score-col-unit = unidad
score-col-channel = canal
score-col-attribute = atributo
score-col-score = puntaje
score-col-interval = IC del 90 %
score-col-target = meta
score-col-p-value = valor p
score-interval-note = IC del 90 %: intervalo de confianza del 90 % (dos cotas al 95 % de una cola, exactas).

## momentos alerts y followup

as-of-out-of-range = --as-of { $value } está fuera de rango
as-of-not-a-time = --as-of `{ $value }` no es una fecha y hora; use ISO 8601, p. ej. 2026-11-01T00:00:00-05:00
alerts-judged-through = { " " }— datos juzgados hasta { $time }
alerts-summary = Alertas: { $new ->
    [one] { $new } nueva
   *[other] { $new } nuevas
}, { $open ->
    [one] { $open } abierta
   *[other] { $open } abiertas
}, { $total } en total{ $judged }
alerts-new = nueva
alerts-none-open = Sin alertas abiertas.
alerts-open = Alertas abiertas:
alerts-since = desde { $time }
followup-what = indique --alert ID o --escalations
followup-no-alert = no hay una alerta `{ $id }` en el lago; vea `momentos alerts --list`
followup-written = Lista de seguimiento: { $listed ->
    [one] { $listed } interacción
   *[other] { $listed } interacciones
} de contactos autorizados en { $path }; { $unauthorised } sin autorización de datos personales quedaron fuera.

## momentos plans

plans-summary = Planes de mejoramiento: { $opened ->
    [one] { $opened } nuevo
   *[other] { $opened } nuevos
}, { $total } en total — { $by_status }
plans-written = { $plans ->
    [one] { $plans } plan escrito
   *[other] { $plans } planes escritos
} en { $path }
plans-none = No hay planes de mejoramiento.
plans-commitment = compromiso { $date }

## momentos demo

demo-generated = Generadas { $interactions } interacciones, { $surveys } respuestas de encuesta y { $shopper } filas de cliente incógnito ({ $malformed } con errores a propósito) en { $path }
demo-public-key = Sin MOMENTOS_PSEUDONYM_KEY: se usa la clave pública de la demostración (solo para datos sintéticos).
demo-already = { $kind }: ya estaba en el lago (lote { $batch })
demo-ingested = { $kind }: { $read } leídas, { $accepted } aceptadas, { $duplicates } repetidas en el archivo, { $quarantined } en cuarentena
demo-scoring = Calificando los datos de la demostración (momentos score)…
demo-reporting = Escribiendo el informe (momentos report --out { $path })…
demo-lake = Lago: { $lake }
demo-try-scores = Pruebe: momentos sql --lake { $lake } "select * from scores where status = 'needs_plan'"
demo-try-sql = Pruebe: momentos sql --lake { $lake } "select unit, channel, count(*) n from interactions group by 1, 2 order by n desc limit 10"

## momentos check y sources

check-not-checked = esta versión no revisa { $folder }/ (todavía no hay revisor de { $name })
check-note = nota: { $note }
check-ok = ok: { $name } ({ $checked })
check-problems = { $problems ->
    [one] { $problems } problema
   *[other] { $problems } problemas
}; no se ejecutó nada
sources-adapters = Adaptadores:
sources-files = Fuentes ({ $path }):
sources-none = (ninguna; cree sources/<nombre>.toml, vea sources/README.md)
sources-mappings = Archivos de mapeo ({ $path }):
sources-usage = Uso: momentos ingest --source NOMBRE ARCHIVO…

## momentos deliver

deliver-would-send = { $count ->
    [one] Se enviaría { $count } mensaje:
   *[other] Se enviarían { $count } mensajes:
}
deliver-summary = Entregas: { $detail }
deliver-detail = { $sent ->
    [one] { $sent } enviado
   *[other] { $sent } enviados
}, { $failed ->
    [one] { $failed } fallido
   *[other] { $failed } fallidos
}, { $already ->
    [one] { $already } ya enviado antes
   *[other] { $already } ya enviados antes
}
deliver-postponed-count = { $postponed ->
    [one] { $postponed } pospuesto a la próxima ejecución
   *[other] { $postponed } pospuestos a la próxima ejecución
}
deliver-pending = pendiente
deliver-sent = enviado
deliver-failed = falló
deliver-postponed = pospuesto
deliver-attempts = { $attempts ->
    [one] { $attempts } intento
   *[other] { $attempts } intentos
}: { $error }

## Detalle de cada paso de un pipeline (tabla run_steps y salida de momentos run)

step-ingest-files = { $total ->
    [one] { $total } archivo
   *[other] { $total } archivos
}: { $ingested ->
    [one] { $ingested } ingerido
   *[other] { $ingested } ingeridos
}, { $unchanged } sin cambios
step-ingest-failed = , { $failed ->
    [one] { $failed } fallido
   *[other] { $failed } fallidos
}
step-ingest-waiting = , { $waiting } aún escribiéndose (quedan para una ejecución posterior)
step-ingest-stopped = ; detenido antes por una solicitud de apagado
step-ingest-nothing-written = { $error } (nada de este archivo fue escrito)
step-score-nothing-new = nada nuevo que calificar
step-score-detail = { $periods ->
    [one] { $periods } periodo calificado
   *[other] { $periods } periodos calificados
}, { $rows } filas en { $tables } tablas
step-plans-detail = { $opened ->
    [one] { $opened } plan abierto
   *[other] { $opened } planes abiertos
}, { $total } en total
step-alerts-detail = { $new ->
    [one] { $new } alerta nueva
   *[other] { $new } alertas nuevas
}, { $open } abiertas, { $total } en total
step-report-detail = { $index } de { $period }: { $pages } páginas, { $charts } gráficos{ $pdf }
step-report-no-scores = el lago no tiene puntajes todavía: no hay informe

## momentos run y schedule

run-summary = pipeline { $pipeline }: { $status } (ejecución { $run }, { $seconds } s)
run-step-rows = leídas { $read }, aceptadas { $accepted }, en cuarentena { $quarantined }
run-quarantined = { $rows ->
    [one] { $rows } fila
   *[other] { $rows } filas
} en cuarentena: momentos sql "select source, reason_code, count(*) from quarantine group by 1, 2"
schedule-cannot-read = no se pudo leer la carpeta de pipelines { $path }: { $error }
schedule-fix-pipelines = corrija los archivos de pipeline de arriba (momentos check lista cada problema); no se inició nada
schedule-nothing-scheduled = ningún pipeline de { $path } tiene `schedule`; no hay nada que hacer
schedule-stopped-at-once = detenido de inmediato; la próxima ejecución hace la limpieza

## Problemas de un archivo de configuración (momentos check, pipelines)

problem-fix = corrección: { $fix }
problem-unknown-key = clave desconocida `{ $key }`
problem-known-keys = claves válidas aquí: { $keys }
problem-did-you-mean = ¿quiso decir `{ $word }`? ({ $choices })
problem-missing-key = falta la clave `{ $key }`
problem-fix-missing-key = agréguela (vea un ejemplo en { $example })

## Archivos de pipeline

pipeline-cannot-read = no se pudo leer el archivo de pipeline { $path }: { $error }
pipeline-not-found = no hay un pipeline `{ $name }`: { $tried } no existe{ $known }
pipeline-none-in-dir = { " " }(no hay pipelines en { $dir }; use --pipelines CARPETA)
pipeline-suggest-name = ; ¿quiso decir `{ $name }`? (existentes: { $names })
pipeline-known-names = { " " }(existentes: { $names })
pipeline-key-file-name = (nombre del archivo)
pipeline-bad-name = `{ $name }` no es un nombre de pipeline
pipeline-fix-name = nombre el archivo con minúsculas, dígitos, `-` y `_` (p. ej. `nightly.toml`)
pipeline-bad-duration = `{ $value }` no es una duración ({ $reason })
pipeline-fix-duration = escriba un número y una unidad, p. ej. `30s`, `5m`, `2h`
pipeline-bad-timezone = `{ $value }` no es una zona horaria IANA
pipeline-fix-timezone = p. ej. `{ $default }`, `UTC`, `Europe/Madrid`
pipeline-one-of = uno de { $values }
pipeline-bad-kind = `{ $value }` no es un tipo de entrada
pipeline-fix-inbox = una carpeta (relativa a la carpeta de trabajo) o una URL file://
pipeline-glob-folder = `{ $value }` nombra una carpeta; el patrón (glob) se compara con los nombres de archivo dentro de la bandeja de entrada
pipeline-fix-glob-folder = ponga la carpeta en `inbox` y solo el patrón de archivo en `glob`
pipeline-bad-glob = `{ $value }` no es un patrón de archivo ({ $reason })
pipeline-fix-glob = use `*`, `?` y `[abc]`, p. ej. `interactions*.csv`
pipeline-bad-format = `{ $value }` no es un formato
pipeline-fix-format = uno de csv, jsonl, xlsx (u omítalo para decidir por la extensión)
pipeline-source-kind = la fuente `{ $source }` produce { $produces }, no { $kind }
pipeline-fix-source-kind = escriba kind = "{ $kind }"
pipeline-fix-source = el nombre de un sources/<nombre>.toml (vea `momentos sources`)
pipeline-step-twice = el paso `{ $step }` aparece dos veces
pipeline-fix-step-twice = incluya cada paso una sola vez
pipeline-step-order = el paso `{ $step }` va después de `{ $previous }`, pero lo alimenta
pipeline-fix-step-order = ordene los pasos así: { $steps }
pipeline-fix-unavailable = quite `{ $step }` de `steps` hasta que esta versión lo tenga
pipeline-steps = pasos: { $steps }
pipeline-bad-step = `{ $value }` no es un paso
pipeline-no-steps = no hay pasos: el pipeline no haría nada
pipeline-fix-no-steps = p. ej. steps = ["ingest"]
pipeline-ingest-needs-sources = el paso `ingest` necesita al menos una tabla `[[sources]]`
pipeline-fix-ingest-needs-sources = agregue [[sources]] con kind, inbox y glob, o quite `ingest`
pipeline-zero-attempts = con 0 intentos nunca se ejecutaría
pipeline-fix-zero-attempts = 1 significa sin reintentos; lo usual es 3
pipeline-catch-up-policies = none, latest o all
pipeline-bad-catch-up = `{ $value }` no es una política de recuperación (catch-up)
pipeline-zero-max = con 0 no se ejecutaría nada
pipeline-fix-zero-max = use policy = "none" para no ejecutar nada, o max ≥ 1
pipeline-bad-overlap = `{ $value }` no es una política de superposición (overlap)
inbox-empty = la bandeja de entrada está vacía
inbox-not-local = `{ $inbox }` no es una ruta local
inbox-unsupported-scheme = `{ $inbox }`: esta versión no admite bandejas de entrada en `{ $scheme }`

## Expresiones cron (`schedule` de un pipeline)

cron-fix-forms = escriba 5 campos `minuto hora día-del-mes mes día-de-la-semana` (p. ej. `30 2 * * *`, todos los días a las 02:30) o 6/7 campos con los segundos primero (p. ej. `0 30 2 * * Mon-Fri`); `@daily` y `@hourly` también sirven
cron-bad-shorthand = `{ $expr }` no es una abreviatura que este planificador conozca
cron-fix-shorthand = una de { $shorthands }, o una expresión cron
cron-day-zero = `{ $expr }`: en la forma de 6/7 campos los días de la semana van de 1 = domingo a 7 = sábado; 0 no es un día
cron-fix-day-zero = use nombres de días (`Sun`, `Mon-Fri`) o la forma Unix de 5 campos
cron-field-count = `{ $expr }` tiene { $fields ->
    [one] { $fields } campo
   *[other] { $fields } campos
}
cron-unreadable = ilegible
cron-invalid = `{ $expr }` no es una expresión cron válida: { $reason }
cron-never = `{ $expr }` no se vuelve a disparar nunca
cron-fix-never = ninguna fecha coincide (p. ej. 31 de febrero, o un año pasado): revise los campos de día, mes y año
cron-both-days = `{ $expr }` restringe a la vez el día del mes (`{ $dom }`) y el día de la semana (`{ $dow }`): el cron de Unix se dispara cuando coincide cualquiera de los dos, este planificador solo cuando coinciden ambos
cron-fix-both-days = restrinja solo uno de los dos (con `*` en el otro), o use dos pipelines
cron-bad-day = `{ $expr }`: { $reason }
cron-fix-day-names = use nombres de días (`Mon-Fri`, `Sun`)
cron-not-a-day = `{ $value }` no es un día
cron-day-out-of-range = el día de la semana `{ $value }` está fuera del rango 0–7
cron-stepped-sunday = `{ $item }`: un rango con paso que termina en 7 (domingo)
cron-mixed-day = `{ $item }` mezcla un nombre de día y un número

## Ejecuciones de pipelines (tabla runs y salida de momentos run)

run-lake-error = pipeline `{ $pipeline }`: no se pudo usar el lago { $lake }: { $error }
run-lock-purpose = ejecución { $run } del pipeline { $pipeline }
run-busy = el pipeline `{ $pipeline }` ya se está ejecutando
run-stopped-waiting = se pidió detenerse mientras esperaba a que terminara la ejecución en curso
run-stopped-before-step = se pidió detenerse antes del paso `{ $step }`
run-stopped-during-step = detenido por una solicitud de apagado durante el paso `{ $step }`
run-dead-holder = el proceso { $pid } en { $host } terminó sin acabar la ejecución (¿lo mataron?); la ejecución { $successor } tomó su candado

## Errores del catálogo (catalog.toml)

words-or = { $first } o { $last }
catalog-cannot-read = no se pudo leer el catálogo { $path }: { $error }
catalog-embedded = catalog.toml (el incorporado por defecto)
catalog-example = el catalog.toml del repositorio de momentos
catalog-not-allowed = `{ $value }` no está permitido; se espera { $expected }
catalog-at-least-one = debe ser al menos 1
catalog-unknown-source = fuente desconocida; se espera una de { $allowed }
catalog-weight-positive = un peso debe ser un número positivo
catalog-unknown-attribute = atributo desconocido; se espera uno de { $allowed }
catalog-bad-timezone = `{ $value }` no es una zona horaria IANA como America/Bogota
catalog-bad-date = `{ $value }` no es una fecha AAAA-MM-DD
catalog-unknown-channel = canal desconocido; se espera uno de { $allowed }
catalog-no-hours = no hay un perfil [hours.{ $profile }]; definidos: { $defined }
catalog-missing-channel = falta: cada canal necesita una entrada
catalog-unit-code = los códigos de unidad van en minúsculas snake_case (a-z, 0-9, _)
catalog-escalation-days = debe estar entre 1 y { $max } días hábiles (Ley 1755 de 2015)
catalog-needs-unit = el catálogo necesita al menos una unidad
catalog-expected-one-of = se espera uno de { $allowed }
catalog-unknown-unit = unidad desconocida `{ $unit }`
catalog-out-of-range = { $value } está fuera de rango; se espera un número de { $low } a { $high }
catalog-bad-hours = `{ $value }` no está permitido; se espera "HH:MM-HH:MM" (p. ej. "08:00-18:00") o "closed"
catalog-open-before-close = `{ $value }`: la hora de apertura debe ser anterior a la de cierre
catalog-bad-duration = `{ $value }` no es una duración; se espera un número con s, m o h (p. ej. "20s", "60m")
catalog-not-a-probability = { $value } está fuera de rango; se espera una probabilidad entre 0 y 1
catalog-baseline-weeks = se necesita 1 ≤ min_baseline_weeks ≤ baseline_weeks
catalog-number-at-least-one = debe ser un número mayor o igual a 1
catalog-positive-number = debe ser un número positivo
catalog-unknown-theme = `{ $theme }` no es un tema de [themes]; definidos: { $defined }
delivery-attempts-range = debe estar entre 1 y 10
delivery-max-backoff = debe ser al menos `backoff`
delivery-bad-name = `{ $name }`: use letras, dígitos, `_` o `-` (p. ej. "calidad_central")
delivery-name-twice = `{ $name }` está repetido
delivery-not-email = no es una dirección de correo electrónico
delivery-email-needs-smtp = el correo electrónico necesita una sección [delivery.smtp] (host, from)
delivery-webhook-url = debe ser una URL http:// o https://
delivery-one-address = indique exactamente uno de `email`, `webhook` o `webhook_env`
delivery-no-kinds = diga qué recibe: "report", "alerts" o tipos de alerta
delivery-unknown-unit = `{ $unit }` no es una unidad de [units]
delivery-smtp-host = debe nombrar el servidor SMTP
delivery-smtp-from = debe ser una dirección, p. ej. "Calidad <calidad@ces.edu.co>"
delivery-smtp-cleartext = "none" enviaría la contraseña y el informe sin cifrar por la red; solo se permite con un servidor en esta máquina (127.0.0.1, ::1, localhost)
delivery-smtp-timeout = debe ser mayor que 0s
delivery-smtp-env = debe nombrar una variable de entorno

## El lago y sus candados

lock-held = { $busy }: lo tiene el proceso { $pid } en { $host } ({ $purpose }) desde { $since }; intente de nuevo cuando termine
lock-lake-busy = se está escribiendo en el lago { $url }
lake-bad-url = `{ $url }` no es una ubicación de lago: { $detail }
lake-cannot-create-folder = no se pudo crear la carpeta: { $error }
lake-not-absolute = no es una ruta absoluta
lake-not-local = no es una ruta local
lake-not-folder = no es una carpeta
lake-unsupported-scheme = esta versión no admite el esquema `{ $scheme }`; use una carpeta, file:// o s3://
lake-store-error = lago { $url }: { $operation } { $path }: { $error }
lake-op-reading = leyendo
lake-op-writing = escribiendo
lake-op-listing = listando
lake-op-renaming = renombrando
lake-op-deleting = borrando
lake-op-locking = bloqueando
lake-corrupt = lago { $url }: { $path } está dañado: { $detail }
lake-temp-file = archivo temporal local: { $error }

## Listas largas

list-and-more = { " " }… y { $count } más

## momentos check: carpetas del proyecto

check-cannot-read-folder = { $path }: no se pudo leer la carpeta: { $error }
check-dashboards-skipped = los tableros no se revisaron: el catálogo no es válido
check-dashboards-panicked = la revisión de los tableros falló por un error interno
check-dashboards-failed = tableros: no se pudieron revisar las consultas: { $error }
check-no-pipelines-folder = no existe la carpeta de pipelines { $path }
check-no-pipeline-files = no hay archivos de pipeline en { $path }
check-inbox-missing = { $file }: la bandeja de entrada { $inbox } ({ $kind }) aún no existe; las ejecuciones fallan hasta que exista

## momentos forget: messages

forget-empty-identifier = el identificador queda vacío al normalizarlo; escriba un correo, un teléfono o un número de documento
forget-key-required = se necesita la clave de seudonimización con la que se ingirieron los datos (MOMENTOS_PSEUDONYM_KEY o MOMENTOS_PSEUDONYM_KEY_FILE)
forget-other-keys = aviso: algunos lotes del lago se seudonimizaron con otra clave; con la clave actual no se puede encontrar a la persona en ellos
forget-nothing-found = No hay filas de esa persona en el lago { $lake }. La solicitud quedó registrada en la tabla audit ({ $audit }).
forget-removed = Se quitaron { $rows } filas de { $tables } tablas del lago { $lake } en un solo lote ({ $audit }); los archivos anteriores se borraron.
forget-table-line = { $table } ({ $path }): { $rows } filas; versión Delta { $version }
forget-rederived = Calificaciones recalculadas ({ $periods } periodos).
forget-not-rederived = Las calificaciones aún cuentan esas filas hasta el próximo `momentos score`.

## momentos maintain: messages

maintain-retention-none = Retención: el catálogo no fija ninguna ([retention] months); nada sale por antigüedad.
maintain-retention = Retención: se conservan los datos desde el { $date }; salieron { $rows } filas más antiguas (tabla audit).
maintain-retention-nothing = Retención: se conservan los datos desde el { $date }; ninguna fila es más antigua.
maintain-retention-dry = Retención: se conservan los datos desde el { $date }; las filas anteriores saldrían del lago.
maintain-compaction-none = Compactación: nada que compactar (cada mes ya está en un archivo).
maintain-compaction = Compactación de { $table }: { $before } archivos de { $months } meses → { $after } ({ $rows } filas).
maintain-compaction-quarantine = Compactación de la cuarentena de { $table }: { $before } archivos de { $months } meses → { $after } ({ $rows } filas).
maintain-logs = Registros Delta: { $checkpoints } puntos de control escritos, { $expired } entradas antiguas expiradas.
maintain-dry-run = (simulación: no se cambió nada)
step-maintain-done = { $rows } filas salieron por retención; { $files } archivos compactados en { $after }; { $checkpoints } puntos de control Delta

## momentos-ballista (una compilación con --features ballista)

ballista-usage =
    momentos-ballista: un planificador (scheduler) o ejecutor (executor) de Apache DataFusion Ballista que corre los planes de momentos (`momentos --engine df://host:puerto`).

      momentos-ballista scheduler [--bind HOST:PUERTO]      por defecto 127.0.0.1:50050
      momentos-ballista executor [--scheduler HOST:PUERTO] [--bind HOST] [--port PUERTO] [--grpc-port PUERTO] [--tasks N] [--work-dir CARPETA]
                                                            por defecto: 127.0.0.1:50050, 127.0.0.1, 50051, 50052, una tarea por núcleo

    Los ejecutores abren ellos mismos los archivos del lago: un lago en S3 necesita en el entorno de cada ejecutor las variables AWS_* de `momentos --lake s3://…`.
ballista-bad-argument = argumento desconocido o incompleto: { $argument }
ballista-failed = el { $role } se detuvo: { $error }
