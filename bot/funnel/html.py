"""`siyu report --html FILE`: one self-contained page (inline CSS, SVG drawn by inline JS, no network).

The numbers travel in a JSON block; the script draws the funnel, the channels, the follow-ups and churn by
step as SVG bars that carry their value (`data-value`) and show it as text. The same tables are in the page
without the script (noscript), so it is readable everywhere.
"""

from __future__ import annotations

import html
import json

from bot.funnel.report import NO_DATA, Report, bound, render_text

_STYLE = """
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}section{background:#fff;border-radius:8px;padding:12px 16px;
margin:12px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}svg text{font-size:12px;fill:#333}.bar{fill:#4a90d9}
.bar.alt{fill:#8cc084}.bar.warn{fill:#e0584f}.muted{color:#777;font-size:12px}
pre{font-size:12px;overflow-x:auto}.legend span{display:inline-block;margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
"""

_SCRIPT = r"""
(function(){
const D=JSON.parse(document.getElementById('report-data').textContent);
const NS='http://www.w3.org/2000/svg';
function el(n,a,t){const e=document.createElementNS(NS,n);for(const k in a)e.setAttribute(k,a[k]);
  if(t!==undefined)e.textContent=t;return e;}
function bars(id,rows,opts){
  const box=document.getElementById(id);if(!rows.length){box.textContent='（没有）';return;}
  const W=760,L=opts.label||190,H=22,max=Math.max(1,...rows.map(r=>r.value));
  const svg=el('svg',{width:W,height:rows.length*H+8,role:'img','aria-label':opts.title});
  rows.forEach((r,i)=>{const w=Math.max(1,(W-L-120)*r.value/max),y=i*H+4;
    svg.appendChild(el('text',{x:0,y:y+14},r.label));
    svg.appendChild(el('rect',{x:L,y:y,width:w,height:H-6,class:'bar '+(r.cls||''),'data-label':r.label,
      'data-value':r.value}));
    svg.appendChild(el('text',{x:L+w+6,y:y+14,class:'value'},r.text!==undefined?r.text:String(r.value)));});
  box.appendChild(svg);}
function stacked(id,rows,keys,names){
  const box=document.getElementById(id);if(!rows.length){box.textContent='（没有）';return;}
  const P=['#9aa5b1','#4a90d9','#2e7d32','#f0a33a','#e0584f','#c2c2c2','#777'];
  const W=760,L=190,H=24,max=Math.max(1,...rows.map(r=>keys.reduce((s,k)=>s+(r.counts[k]||0),0)));
  const svg=el('svg',{width:W,height:rows.length*H+8,role:'img'});
  rows.forEach((r,i)=>{let x=L;const y=i*H+4;svg.appendChild(el('text',{x:0,y:y+14},r.label));
    keys.forEach((k,j)=>{const v=r.counts[k]||0;if(!v)return;const w=(W-L-10)*v/max;
      const g=el('rect',{x:x,y:y,width:w,height:H-6,style:'fill:'+P[j],'data-label':r.label+' '+k,'data-value':v});
      g.appendChild(el('title',{},names[k]+' '+v));svg.appendChild(g);
      if(w>18)svg.appendChild(el('text',{x:x+3,y:y+14,style:'fill:#fff'},String(v)));x+=w;});});
  box.appendChild(svg);
  const legend=document.createElement('div');legend.className='legend';
  keys.forEach((k,j)=>{const s=document.createElement('span');const i=document.createElement('i');
    i.style.background=P[j];s.appendChild(i);s.appendChild(document.createTextNode(names[k]));legend.appendChild(s);});
  box.appendChild(legend);}
const added=D.totals.added||0;
bars('funnel',D.stages.map(s=>({label:D.stage_names[s],value:D.totals[s]||0,
  text:(D.totals[s]||0)+(added&&(D.totals[s]||0)<=added?'（'+Math.round(100*(D.totals[s]||0)/added)+'%）':'')})),
  {title:'funnel'});
const ch=Object.keys(D.by_channel);const chRows=[];
ch.forEach(c=>['added','replied','recommended','purchased'].forEach((s,j)=>chRows.push({
  label:(D.channel_names[c]||c)+' · '+D.stage_names[s],value:D.by_channel[c][s]||0,cls:j%2?'alt':''})));
bars('channels',chRows,{title:'channels',label:260});
const names={due:'到期',sent:'已发出',confirmed:'已确认',cancelled:'取消',undeliverable:'发不出',
  skipped:'跳过',dropped:'作废'};
stacked('followups',Object.keys(D.followups).map(k=>({label:k+'（到期 '+(D.followups[k].due||0)+'）',
  counts:D.followups[k]})),D.outcomes.filter(o=>o!=='due'),names);
bars('churn',D.churn.map(r=>({label:r.step==='-'?'（机器人没说过话）':r.step,value:r.deleted+r.opted_out,cls:r.pushy?'warn':'',
  text:(r.deleted+r.opted_out)+' / '+r.sent+(r.rate===null?'':'（'+(100*r.rate).toFixed(1)+'%）')+(r.pushy?' ⚠':'')})),
  {title:'churn',label:230});
document.body.setAttribute('data-rendered','1');
})();
"""


def render_html(report: Report) -> str:
    data = json.dumps(report.to_dict(), ensure_ascii=False).replace("</", "<\\/")
    title = f"siyu report {report.first} … {report.last}" + (f" · {report.channel}" if report.channel else "")
    frt = report.first_response()
    rate = report.reply_rate()
    summary = ("回复率 " + (f"{rate:.1%}" if rate is not None else NO_DATA) + " · 首次响应 "
               + (f"平均 {frt['mean']:.1f} 秒，P90 {bound(frt['p90'])} 秒" if frt else NO_DATA))
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_STYLE}</style></head>
<body><h1>{html.escape(title)}</h1><p class="muted">{html.escape(summary)}。每位顾客每一步只算第一次；
流失算到之前 48 小时内机器人最后一条消息的那一步（红色 = 太急了）。</p>
<section><h2>漏斗</h2><div id="funnel"></div></section>
<section><h2>渠道</h2><div id="channels"></div></section>
<section><h2>跟进</h2><div id="followups"></div></section>
<section><h2>流失（删好友 + 别推了 / 这一步发过的消息）</h2><div id="churn"></div></section>
<noscript><pre>{html.escape(render_text(report))}</pre></noscript>
<script type="application/json" id="report-data">{data}</script>
<script>{_SCRIPT}</script></body></html>
"""
