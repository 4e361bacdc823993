# syntax=docker/dockerfile:1.7.1@sha256:a57df69d0ea827fb7266491f2813635de6f17269be881f696fbfdf2d83dda33e
# One more kernel for the Jupyter image: the interpreter (/usr/local) and the Dask environment (/opt/dask) of a
# profile's k8s base image, copied from that image so the kernel cannot differ from the clusters it drives, plus
# ipykernel from the kernel's lock. Nothing else is downloaded. render/catalog.py chains one build per profile:
# BASE_IMAGE is the Jupyter image so far, KERNEL_IMAGE the profile's base.
ARG KERNEL_IMAGE
ARG BASE_IMAGE
FROM ${KERNEL_IMAGE} AS kernel

FROM ${BASE_IMAGE}
ARG KERNEL_NAME
ARG KERNEL_PYTHON
ARG DASK_VERSION
ARG DASK_GATEWAY_VERSION
ARG KERNEL_LOCK
SHELL ["/bin/bash", "-e", "-o", "pipefail", "-c"]
LABEL io.dask-platform.dask-gateway="${DASK_GATEWAY_VERSION}"
USER 0
COPY --from=kernel /usr/local /opt/kernels/${KERNEL_NAME}/python
COPY --from=kernel /opt/dask /opt/kernels/${KERNEL_NAME}/env
COPY ${KERNEL_LOCK} /opt/dask-platform/locks/kernel-${KERNEL_NAME}.txt
# The environment moves from /opt/dask and its interpreter from /usr/local: point the environment at the
# interpreter's new place, and the interpreter at its own shared library through the kernel's environment.
RUN --mount=type=secret,id=pip_extra_index_url,required=false \
    if [ -f /run/secrets/pip_extra_index_url ]; then \
        PIP_EXTRA_INDEX_URL="$(cat /run/secrets/pip_extra_index_url)"; export PIP_EXTRA_INDEX_URL; \
    fi \
    && kernel="/opt/kernels/${KERNEL_NAME}" \
    && minor="${KERNEL_PYTHON%.*}" \
    && export LD_LIBRARY_PATH="${kernel}/python/lib" \
    && sed -i "s|^home = .*|home = ${kernel}/python/bin|" "${kernel}/env/pyvenv.cfg" \
    && for name in python python3 "python${minor}"; do \
        ln -sf "${kernel}/python/bin/python${minor}" "${kernel}/env/bin/${name}"; \
    done \
    && lock="/opt/dask-platform/locks/kernel-${KERNEL_NAME}.txt" \
    && "${kernel}/env/bin/python" -m pip install --no-cache-dir --require-hashes --no-deps -r "${lock}" \
    && "${kernel}/env/bin/python" -m pip check \
    && "${kernel}/env/bin/python" -m ipykernel install --prefix /opt/jupyter --name "dask-${KERNEL_NAME}" \
        --display-name "Dask ${DASK_VERSION} (${KERNEL_NAME}, Python ${KERNEL_PYTHON})" \
        --env LD_LIBRARY_PATH "${kernel}/python/lib"
USER 1000:1000
